#!/usr/bin/python3
"""A minimal CRI client for the runtime tests: pod sandboxes over containerd's CRI socket.

Run it with Debian's /usr/bin/python3 (python3-grpcio, python3-grpc-tools). The stubs are
generated from runtime_v1.proto next to this file into --stubs DIR on first use.

  cri_client.py --socket SOCK --stubs DIR run NAME [--port tcp:HOST:CONTAINER]... [--annotation K=V]...
      prints the sandbox ID and RunPodSandbox's wall time in milliseconds
  cri_client.py ... status ID      prints {"state", "ip", "additional_ips", "pid", "netns"} as JSON
  cri_client.py ... stop ID | remove ID
  cri_client.py ... bench COUNT PREFIX
      runs COUNT sandboxes one after another, then stops and removes them; prints the
      RunPodSandbox times in milliseconds as a JSON list
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_stubs(directory):
    if not os.path.exists(os.path.join(directory, "runtime_v1_pb2_grpc.py")):
        from grpc_tools import protoc
        os.makedirs(directory, exist_ok=True)
        code = protoc.main(["protoc", "-I" + HERE, "--python_out=" + directory,
                            "--grpc_python_out=" + directory, "runtime_v1.proto"])
        if code != 0:
            sys.exit("cri_client: protoc failed on runtime_v1.proto")
    sys.path.insert(0, directory)
    import runtime_v1_pb2
    import runtime_v1_pb2_grpc
    return runtime_v1_pb2, runtime_v1_pb2_grpc


def port_mapping(pb, text):
    protocol, host, container = text.split(":")
    return pb.PortMapping(protocol=pb.Protocol.Value(protocol.upper()),
                          host_port=int(host), container_port=int(container))


def run_sandbox(pb, runtime, name, ports=(), annotations=None):
    config = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name=name, uid="uid-" + name, namespace="nsbtest"),
        hostname=name, port_mappings=[port_mapping(pb, p) for p in ports],
        annotations=annotations or {})
    started = time.monotonic()
    reply = runtime.RunPodSandbox(pb.RunPodSandboxRequest(config=config), timeout=120)
    return reply.pod_sandbox_id, (time.monotonic() - started) * 1000


def sandbox_status(pb, runtime, sandbox_id):
    reply = runtime.PodSandboxStatus(
        pb.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id, verbose=True), timeout=30)
    info = json.loads(reply.info.get("info", "{}"))
    namespaces = info.get("runtimeSpec", {}).get("linux", {}).get("namespaces", [])
    netns = next((n.get("path", "") for n in namespaces if n.get("type") == "network"), "")
    return {"state": pb.PodSandboxState.Name(reply.status.state),
            "ip": reply.status.network.ip,
            "additional_ips": [p.ip for p in reply.status.network.additional_ips],
            "pid": info.get("pid", 0), "netns": netns}


def bench(pb, runtime, count, prefix):
    times, ids = [], []
    for index in range(count):
        sandbox_id, elapsed = run_sandbox(pb, runtime, "%s-%d" % (prefix, index))
        ids.append(sandbox_id)
        times.append(round(elapsed, 1))
    for sandbox_id in ids:
        runtime.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=sandbox_id), timeout=60)
        runtime.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=sandbox_id), timeout=60)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--stubs", required=True)
    parser.add_argument("command", choices=["run", "status", "stop", "remove", "bench"])
    parser.add_argument("operands", nargs="+")
    parser.add_argument("--port", action="append", default=[])
    parser.add_argument("--annotation", action="append", default=[])
    args = parser.parse_args()
    pb, pb_grpc = load_stubs(args.stubs)
    import grpc
    runtime = pb_grpc.RuntimeServiceStub(grpc.insecure_channel("unix://" + args.socket))
    operand = args.operands[0]
    if args.command == "run":
        annotations = dict(a.split("=", 1) for a in args.annotation)
        sandbox_id, elapsed = run_sandbox(pb, runtime, operand, args.port, annotations)
        print(sandbox_id, "%.1f" % elapsed)
    elif args.command == "status":
        print(json.dumps(sandbox_status(pb, runtime, operand)))
    elif args.command == "stop":
        runtime.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=operand), timeout=60)
    elif args.command == "remove":
        runtime.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=operand), timeout=60)
    else:
        print(json.dumps(bench(pb, runtime, int(operand), args.operands[1])))


if __name__ == "__main__":
    main()
