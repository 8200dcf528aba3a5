#!/usr/bin/env python3
"""Regenerates packaging/release-symbol-order.txt: the functions a CNI call runs, which the
release link (Package.swift) places first in .text so that a call maps fewer pages of the binary.

Why: the plugin is a fresh process per call and its peak RSS is mostly file pages of the binary.
The kernel maps code in 64 KiB windows around each first touch (fault-around), so the ~0.6 MiB
of functions an ADD runs, scattered over ~5.6 MiB of .text, used to map ~4 MiB.

How: relinks the release binary's objects (as `make release` left them) with symbols kept, runs
VERSION, ADD, CHECK and DEL (ipMasq on and off, DEL with and without a netns) under valgrind's
callgrind inside throwaway namespaces, and writes every function defined in the binary that ran:
an ADD's first (those every ADD runs before those only some do), then what DEL adds, then the
rest, and within each group the functions more traces ran first, in order of first use (the
release build gives every Swift function its own section, so each can be placed); then the data
objects that an ADD reads or writes (valgrind's lackey; beside another container and into an
emptied network), which the same ordering gathers at the start of their sections. Needs root,
valgrind, and a prior `make release`. A stale list is harmless: names that no longer exist are
ignored, new code just lands outside the hot block.
"""

import bisect
import collections
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


def call(binary, host, verb, cid, netns, conf, trace_dir, tool=None):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": verb, "CNI_CONTAINERID": cid,
           "CNI_IFNAME": "eth0", "CNI_NETNS": netns, "CNI_PATH": "/nonexistent"}
    if tool is None:
        tool = ["valgrind", "-q", "--tool=callgrind", "--demangle=no",
                f"--callgrind-out-file={trace_dir}/cg.{verb}.{cid}.%p"] if trace_dir else []
    proc = subprocess.run(["ip", "netns", "exec", host, "env", "-i"] + [f"{k}={v}" for k, v in env.items()]
                          + tool + [binary], input=json.dumps(conf).encode(), capture_output=True)
    if proc.returncode != 0:
        sys.exit(f"{verb} {cid} failed: {proc.stdout.decode()} {proc.stderr.decode()}")
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def trace_calls(binary, tag, trace_dir, data):
    """Callgrind of every verb on the paths a runtime takes, lackey of the two common ADDs."""
    host, first, second, third = (f"{tag}-{n}" for n in ("host", "c1", "c2", "c3"))
    path = lambda n: f"/run/netns/{n}"
    masq, plain = netconf(1, True, data), netconf(2, False, data)
    lackey = lambda name: ["valgrind", "-q", "--tool=lackey", "--trace-mem=yes",
                           f"--log-file={os.path.join(trace_dir, '..', name)}"]
    call(binary, host, "VERSION", "v", "", {"cniVersion": "1.0.0"}, trace_dir)
    result = call(binary, host, "ADD", "c1", path(first), masq, trace_dir)  # creates bridge and table
    call(binary, host, "CHECK", "c1", path(first), masq | {"prevResult": result}, trace_dir)
    call(binary, host, "DEL", "c1", path(first), masq | {"prevResult": result}, trace_dir)
    result = call(binary, host, "ADD", "c1", path(first), masq, trace_dir)  # into a network left empty
    call(binary, host, "ADD", "c2", path(second), masq, trace_dir)  # beside another container
    call(binary, host, "DEL", "c2", path(second), masq, trace_dir)
    call(binary, host, "DEL", "c2", "", masq, trace_dir)
    call(binary, host, "ADD", "c2", path(second), masq, None, lackey("accesses.steady"))
    call(binary, host, "DEL", "c2", path(second), masq, None)
    call(binary, host, "DEL", "c1", path(first), masq | {"prevResult": result}, None)
    call(binary, host, "ADD", "c1", path(first), masq, None, lackey("accesses.empty"))
    call(binary, host, "DEL", "c1", path(first), masq, None)
    result = call(binary, host, "ADD", "c3", path(third), plain, trace_dir)
    call(binary, host, "DEL", "c3", path(third), plain | {"prevResult": result}, trace_dir)
    return [os.path.join(trace_dir, "..", name) for name in ("accesses.steady", "accesses.empty")]


def touched_data(binary, traces):
    """The binary's data objects that the traced ADDs read or wrote, in address order."""
    nm = subprocess.run(["nm", "-n", "-S", "--defined-only", binary], capture_output=True, text=True, check=True)
    objects = [(int(p[0], 16), int(p[1], 16), p[3]) for p in (l.split(maxsplit=3) for l in nm.stdout.splitlines())
               if len(p) == 4 and p[2] in "dDrRbB"]
    starts = [o[0] for o in objects]
    found = {}
    for line in (line for trace in traces for line in open(trace)):
        kind, _, rest = line.strip().partition(" ")
        if kind not in ("L", "S", "M"):
            continue
        address = int(rest.split(",")[0], 16)
        i = bisect.bisect_right(starts, address) - 1
        if i >= 0 and address < objects[i][0] + objects[i][1]:
            found[objects[i][2]] = objects[i][0]
    return sorted(found, key=found.get)


def executed_functions(trace_dir):
    """Function names in the callgrind outputs, with how many traces ran each and, per verb (from
    the trace file names, `cg.<VERB>.<cid>.<pid>`), how many traces of that verb ran each."""
    runs, verbs = {}, {}  # insertion order: trace files by name, functions by first appearance
    for name in sorted(os.listdir(trace_dir)):
        verb = name.split(".")[1]
        seen = {}
        for line in open(os.path.join(trace_dir, name), errors="replace"):
            match = re.match(r"^c?fn=\(\d+\) (.+)$", line.rstrip("\n"))
            if match:
                seen.setdefault(match.group(1))
        for fn in seen:
            runs[fn] = runs.get(fn, 0) + 1
            verbs.setdefault(fn, collections.Counter())[verb] += 1
    return runs, verbs


def verb_group(verbs):
    """Where a function goes: everything an ADD runs first, then what only DEL adds, then the
    rest (CHECK, VERSION); within a verb, what more of its traces ran first, so the steady
    ADD (every ADD trace) comes before what only the first ADD on a node or the ipMasq ADDs
    run. One call then maps a contiguous block, not 64 KiB windows spread over the union of
    all verbs' functions."""
    for rank, verb in enumerate(("ADD", "DEL")):
        if verb in verbs:
            return (rank, -verbs[verb])
    return (2, 0)


def main():
    if os.geteuid() != 0:
        sys.exit("symbol-order.py: must run as root (throwaway network namespaces)")
    tag = f"nsbo-{os.getpid()}"
    names = [f"{tag}-{n}" for n in ("host", "c1", "c2", "c3")]
    with tempfile.TemporaryDirectory(prefix="nsbridge-order.") as scratch:
        binary = os.path.join(scratch, "nsbridge")
        link_with_symbols(binary)
        traces = os.path.join(scratch, "traces")
        os.mkdir(traces)
        try:
            for name in names:
                subprocess.run(["ip", "netns", "add", name], check=True)
            accesses = trace_calls(binary, tag, traces, os.path.join(scratch, "data"))
        finally:
            for name in names:
                subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL, check=False)
        runs, verbs = executed_functions(traces)
        nm = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True)
        defined = {p[2] for p in (l.split(maxsplit=2) for l in nm.stdout.splitlines()) if len(p) == 3 and p[1] in "tTwW"}
        data = touched_data(binary, accesses)
    # Stable sort: by verb group (verb_group), then the functions more traces ran first, and
    # among equals the order of first use (start-up code first, which also places the big C++
    # runtime sections right at the front, next to each other).
    hot = sorted((fn for fn in runs if fn in defined), key=lambda fn: (*verb_group(verbs[fn]), -runs[fn]))
    with open(ORDER, "w") as out:
        out.write("\n".join(hot + data) + "\n")
    print(f"{ORDER}: {len(hot)} functions, {len(data)} data objects")
    # SwiftPM does not know the list is an input of the link: make the next `make release` relink.
    for stale in (os.path.join(REPO, ".build", "release", "nsbridge"),):
        if os.path.exists(stale):
            os.unlink(stale)


if __name__ == "__main__":
    main()
