#!/usr/bin/env python3
"""Regenerates packaging/release-symbol-order.txt: the functions a CNI call runs, which the
release link (Package.swift) places first in .text so that a call maps fewer pages of the binary.

Why: the plugin is a fresh process per call and its peak RSS is mostly file pages of the binary.
The kernel maps code in 64 KiB windows around each first touch (fault-around), so the ~0.6 MiB
of functions an ADD runs, scattered over ~5.6 MiB of .text, used to map ~4 MiB.

How: relinks the release binary's objects (as `make release` left them) with symbols kept, runs
VERSION, ADD, CHECK and DEL (ipMasq on and off, DEL with and without a netns) under valgrind's
callgrind inside throwaway namespaces, and writes every function defined in the binary that ran,
most widely used first. Needs root, valgrind, and a prior `make release`. A stale list is
harmless: names that no longer exist are ignored, new functions just land outside the hot block.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ORDER = os.path.join(REPO, "packaging", "release-symbol-order.txt")


def link_with_symbols(out):
    """The release link command from SwiftPM's build description, without -s and debug info."""
    plan = open(os.path.join(REPO, ".build", "release.yaml")).read()
    start = plan.index('"C.nsbridge-x86_64-unknown-linux-gnu-release.exe":')
    line = next(l for l in plan[start:].splitlines() if l.strip().startswith("args:"))
    args = json.loads(line.strip()[len("args: "):])
    dropped = ("-s", "--no-warn-symbol-ordering")
    kept = []
    for arg in args:  # linker options come as "-Xlinker <option>" pairs
        if arg in dropped or arg.startswith("--symbol-ordering-file"):
            kept.pop()
        elif arg != "-g":
            kept.append(arg)
    args = kept
    args[args.index("-o") + 1] = out
    subprocess.run(args + ["-Xlinker", "--strip-debug"], check=True)


def netconf(number, masq, data):
    return {"cniVersion": "1.0.0", "name": f"order{number}", "type": "nsbridge", "bridge": f"order{number}",
            "isGateway": True, "ipMasq": masq,
            "ipam": {"type": "host-local", "ranges": [[{"subnet": f"10.23{number}.0.0/16"}]], "dataDir": data}}


def call(binary, host, verb, cid, netns, conf, trace_dir):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": verb, "CNI_CONTAINERID": cid,
           "CNI_IFNAME": "eth0", "CNI_NETNS": netns, "CNI_PATH": "/nonexistent"}
    tool = ["valgrind", "-q", "--tool=callgrind", "--demangle=no",
            f"--callgrind-out-file={trace_dir}/cg.{verb}.{cid}.%p"] if trace_dir else []
    proc = subprocess.run(["ip", "netns", "exec", host, "env", "-i"] + [f"{k}={v}" for k, v in env.items()]
                          + tool + [binary], input=json.dumps(conf).encode(), capture_output=True)
    if proc.returncode != 0:
        sys.exit(f"{verb} {cid} failed: {proc.stdout.decode()} {proc.stderr.decode()}")
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def trace_calls(binary, tag, trace_dir, data):
    host, warm, first, second = (f"{tag}-{n}" for n in ("host", "warm", "c1", "c2"))
    path = lambda n: f"/run/netns/{n}"
    masq, plain = netconf(1, True, data), netconf(2, False, data)
    call(binary, host, "VERSION", "v", "", {"cniVersion": "1.0.0"}, trace_dir)
    call(binary, host, "ADD", "warm", path(warm), masq, None)  # the bridge and table exist, as usual
    result = call(binary, host, "ADD", "c1", path(first), masq, trace_dir)
    call(binary, host, "CHECK", "c1", path(first), masq | {"prevResult": result}, trace_dir)
    call(binary, host, "DEL", "c1", path(first), masq | {"prevResult": result}, trace_dir)
    result = call(binary, host, "ADD", "c2", path(second), plain, trace_dir)
    call(binary, host, "DEL", "c2", path(second), plain | {"prevResult": result}, trace_dir)
    call(binary, host, "DEL", "c2", "", plain, trace_dir)
    call(binary, host, "DEL", "warm", path(warm), masq, None)


def executed_functions(trace_dir):
    """Function names in the callgrind outputs, with how many traces ran each."""
    runs = {}
    for name in os.listdir(trace_dir):
        seen = set()
        for line in open(os.path.join(trace_dir, name), errors="replace"):
            match = re.match(r"^c?fn=\(\d+\) (.+)$", line.rstrip("\n"))
            if match:
                seen.add(match.group(1))
        for fn in seen:
            runs[fn] = runs.get(fn, 0) + 1
    return runs


def main():
    if os.geteuid() != 0:
        sys.exit("symbol-order.py: must run as root (throwaway network namespaces)")
    tag = f"nsbo-{os.getpid()}"
    names = [f"{tag}-{n}" for n in ("host", "warm", "c1", "c2")]
    with tempfile.TemporaryDirectory(prefix="nsbridge-order.") as scratch:
        binary = os.path.join(scratch, "nsbridge")
        link_with_symbols(binary)
        traces = os.path.join(scratch, "traces")
        os.mkdir(traces)
        try:
            for name in names:
                subprocess.run(["ip", "netns", "add", name], check=True)
            trace_calls(binary, tag, traces, os.path.join(scratch, "data"))
        finally:
            for name in names:
                subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL, check=False)
        runs = executed_functions(traces)
        nm = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True)
        defined = {p[2] for p in (l.split(maxsplit=2) for l in nm.stdout.splitlines()) if len(p) == 3 and p[1] in "tTwW"}
    hot = sorted((fn for fn in runs if fn in defined), key=lambda fn: (-runs[fn], fn))
    with open(ORDER, "w") as out:
        out.write("\n".join(hot) + "\n")
    print(f"{ORDER}: {len(hot)} functions")


if __name__ == "__main__":
    main()
