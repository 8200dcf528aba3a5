#!/usr/bin/env python3
"""Traffic shaping benchmark: nsbridge shaping by itself against the reference `bridge` +
`bandwidth` conflist, both driven the libcni way (conformance/lib/cnichain.py), side by side in
one run.

Each chain gets its own throwaway host netns and bridge; containers are ADDed one by one with
the chains interleaved (A B, B A, ...), then DELed the same way, with the cached result as
`prevResult`. A chain operation's time is the sum of its plugin processes' wall times
(posix_spawn to wait4), which is what a runtime waits for. Every ADD is checked to have made
an ifb, and every chain must leave none behind.

    flock /tmp/nsbridge-bench.lock conformance/bench/bandwidth.py [--n 40] [--nsbridge BIN]

Not a test: it prints figures and ratios and fails only if a plugin call fails or leaks.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from benchlib import BenchError, Namespaces, Running, Scratch, container_id, summary  # noqa: E402
import cnichain  # noqa: E402

CAPS = {"bandwidth": {"ingressRate": 40_000_000, "ingressBurst": 400_000,
                      "egressRate": 40_000_000, "egressBurst": 400_000}}


class Contender:
    """One conflist in its own host netns, with the plugin wall times of each operation."""

    def __init__(self, label, plugins, overrides, namespaces, scratch, shapes=True):
        self.label = label
        self.shapes = shapes
        self.host = namespaces.create(f"bw-{label}")
        conflist = {"name": f"bwbench-{label}", "cniVersion": "1.0.0", "plugins": plugins}
        self.chain = cnichain.Chain(conflist, ["/usr/lib/cni"], scratch.sub(label, "cache"), overrides, self.spawn)
        self.times = {"ADD": [], "DEL": []}
        self._spent = 0.0

    def spawn(self, argv, env, stdin):
        call = Running(argv, env, stdin).finish()
        self._spent += call.wall_ms
        return call.rc, call.out, call.err

    def timed(self, verb, action):
        self._spent = 0.0
        outcome = action()
        if not outcome.ok:
            raise BenchError(f"{self.label} {verb} failed: {outcome.out[:300]} {outcome.err[:300]}")
        self.times[verb].append(self._spent)
        return outcome

    def ifbs(self):
        name = self.host.rsplit("/", 1)[-1]
        out = subprocess.run(["ip", "-n", name, "-j", "link", "show", "type", "ifb"], capture_output=True, check=True)
        return [link["ifname"] for link in json.loads(out.stdout or b"[]")]


def bridge_object(kind, bridge, data):
    return {"type": kind, "bridge": bridge, "isGateway": True,
            "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.77.0.0/16"}]], "dataDir": data}}


def contenders(opts, namespaces, scratch):
    shaped = dict(bridge_object("nsbridge", "bwb0", scratch.sub("ns-data")), capabilities={"bandwidth": True})
    plain = bridge_object("nsbridge", "bwb2", scratch.sub("plain-data"))
    reference = [bridge_object("bridge", "bwb1", scratch.sub("ref-data")),
                 {"type": "bandwidth", "capabilities": {"bandwidth": True}}]
    overrides = {"nsbridge": opts.nsbridge}
    found = [Contender("nsbridge", [shaped], overrides, namespaces, scratch),
             Contender("reference", reference, overrides, namespaces, scratch)]
    if opts.plain:
        found.append(Contender("nsbridge-unshaped", [plain], overrides, namespaces, scratch, shapes=False))
    return found


def interleaved_calls(opts, namespaces, chains, containers):
    """Container i of every chain, chains alternating in order from one container to the next,
    entering the chain's host namespace first: yields (i, chain, netns, container ID)."""
    for i in range(opts.n):
        order = list(enumerate(chains)) if i % 2 == 0 else list(enumerate(chains))[::-1]
        for j, chain in order:
            namespaces.enter(chain.host)
            yield i, chain, containers[i * len(chains) + j], container_id("bw", chain.label, i)


def attach_all(opts, namespaces, chains):
    containers = namespaces.create_many([f"bw-c{i}-{c.label[:3]}{j}" for i in range(opts.n) for j, c in enumerate(chains)])
    for i, chain, netns, cid in interleaved_calls(opts, namespaces, chains, containers):
        chain.timed("ADD", lambda: chain.chain.add(cid, netns, "eth0", CAPS))
        if chain.shapes and len(chain.ifbs()) != i + 1:
            raise BenchError(f"{chain.label}: {i + 1} shaped ADDs, but ifbs {chain.ifbs()}")
    return containers


def detach_all(opts, namespaces, chains, containers):
    for _, chain, netns, cid in interleaved_calls(opts, namespaces, chains, containers):
        chain.timed("DEL", lambda: chain.chain.delete(cid, netns, "eth0", CAPS))
    for chain in chains:
        if chain.ifbs():
            raise BenchError(f"{chain.label}: ifbs left after DEL: {chain.ifbs()}")


def report(opts, chains):
    print(f"# {opts.n} containers per chain, cniVersion 1.0.0, isGateway, 40 Mbit/s both ways; ms of plugin wall time")
    print(f"{'chain':<22}{'ADD median':>12}{'ADD p95':>10}{'DEL median':>12}{'DEL p95':>10}")
    rows = {}
    for chain in chains:
        add, delete = summary(chain.times["ADD"]), summary(chain.times["DEL"])
        rows[chain.label] = {"ADD": add, "DEL": delete}
        print(f"{chain.label:<22}{add['median']:>12.1f}{add['p95']:>10.1f}{delete['median']:>12.1f}{delete['p95']:>10.1f}")
    ours, ref = rows["nsbridge"], rows["reference"]
    for verb, target in (("ADD", 0.6), ("DEL", 0.7)):
        ratio = ours[verb]["median"] / ref[verb]["median"]
        print(f"nsbridge/reference {verb}: {ratio:.2f}x (target <= {target}x)")
    if opts.json:
        with open(opts.json, "w", encoding="utf-8") as handle:
            json.dump({"n": opts.n, "rows": rows}, handle, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="containers per chain")
    parser.add_argument("--nsbridge", default=os.path.join(HERE, "..", "..", ".build", "release", "nsbridge"))
    parser.add_argument("--no-plain", dest="plain", action="store_false", help="skip nsbridge without shaping")
    parser.add_argument("--json", help="also write the figures here")
    opts = parser.parse_args()
    opts.nsbridge = os.path.abspath(opts.nsbridge)
    if os.geteuid() != 0:
        sys.exit("bandwidth.py: must run as root")
    namespaces = Namespaces(f"nsbb-{os.getpid()}")
    scratch = Scratch(namespaces.tag)
    try:
        chains = contenders(opts, namespaces, scratch)
        containers = attach_all(opts, namespaces, chains)
        detach_all(opts, namespaces, chains, containers)
        report(opts, chains)
    except BenchError as exc:
        sys.exit(f"bandwidth.py: {exc}")
    finally:
        namespaces.cleanup()
        scratch.cleanup()


if __name__ == "__main__":
    main()
