#!/usr/bin/env python3
"""ADD and DEL of a container publishing one port, with 1 and with 1,000 mappings in place, the
two levels alternated cycle by cycle (1, 1000, 1000, 1, ...) so that the load of a shared machine
hits both alike; bench.py's portmap scenario measures the levels one after the other instead.

The 1,000 mappings are held by 4 containers of 250 mappings each, added before and removed after
every 1,000-level cycle; each level starts with one unmeasured probe. Everything runs in a
throwaway "host" namespace, each container in its own namespace. Prints the medians, their ratio
and the rule counts of table inet nsbridge seen at each level. Not a test: it never fails on a
number. Serialize runs:

    flock /tmp/nsbridge-bench.lock conformance/bench/portmap_scale.py [--nsbridge BIN] [--cycles 8] [--probes 8] [--settle 1.5]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib

HERE = os.path.dirname(os.path.abspath(__file__))
HOLDERS, PER_HOLDER = 4, 250


def conflist(data_dir, ports):
    return json.dumps({
        "cniVersion": "1.0.0", "name": "nsbpms", "type": "nsbridge", "bridge": "nsbpms0", "isGateway": True,
        "ipMasq": True, "capabilities": {"portMappings": True},
        "runtimeConfig": {"portMappings": [{"hostPort": p, "containerPort": 80, "protocol": "tcp"} for p in ports]},
        "ipam": {"type": "host-local", "dataDir": data_dir, "ranges": [[{"subnet": "10.185.0.0/16"}]]}})


class Plugin:
    def __init__(self, binary, prefix):
        self.binary, self.prefix = binary, prefix
        self.data_dir = tempfile.mkdtemp(prefix="nsbpms-")
        self.failures = []

    def call(self, command, name, ports):
        """Runs one ADD or DEL of container `name`; returns its wall time in ms."""
        netns = f"{self.prefix}-{name}"
        if command == "ADD":
            subprocess.run(["ip", "netns", "add", netns], check=True)
        env = dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=name.ljust(64, "0"),
                   CNI_NETNS="/run/netns/" + netns, CNI_IFNAME="eth0", CNI_PATH="/usr/lib/cni")
        start = time.perf_counter()
        done = subprocess.run([self.binary], input=conflist(self.data_dir, ports), env=env, capture_output=True, text=True)
        took = (time.perf_counter() - start) * 1000
        if done.returncode:
            self.failures.append(f"{command} {name}: {done.stdout[:200]}")
        if command == "DEL":
            subprocess.run(["ip", "netns", "delete", netns], check=False)
        return took


def rule_count():
    listing = subprocess.run(["nft", "-a", "list", "table", "inet", "nsbridge"], capture_output=True, text=True).stdout
    return sum(1 for line in listing.splitlines()
               if "# handle" in line and not line.lstrip().startswith(("chain ", "map ", "set ", "table ")))


def holders(cycle):
    return [(f"h{cycle}k{k}", list(range(20000 + k * PER_HOLDER, 20000 + (k + 1) * PER_HOLDER))) for k in range(HOLDERS)]


def measure_level(plugin, cycle, level, probes, times, rules, settle):
    held = holders(cycle) if level > 1 else []
    for name, ports in held:
        plugin.call("ADD", name, ports)
    # The holders' containers come up just before the probes: their interfaces' duplicate address
    # detection, router solicitations and MLD reports, and the kernel's deferred frees after
    # their batches, ran into the first probes and read as a cost of the mappings (ADD 1.05-1.25x
    # without a pause, 0.98-1.00x with it, on 2026-12-02). Both levels pause alike.
    time.sleep(settle)
    plugin.call("ADD", f"w{cycle}l{level}", [40999])
    plugin.call("DEL", f"w{cycle}l{level}", [40999])
    for i in range(probes):
        name = f"p{cycle}l{level}i{i}"
        times[level]["ADD"].append(plugin.call("ADD", name, [41000 + i]))
        times[level]["DEL"].append(plugin.call("DEL", name, [41000 + i]))
    # Counted with the level's mappings in place, outside the timed calls: `nft` listing 1,000
    # elements between an ADD and a DEL disturbed the next calls (ADD 1.04-1.17x with it there).
    rules[level].add(rule_count())
    for name, ports in held:
        plugin.call("DEL", name, ports)


def run_inside(opts):
    plugin = Plugin(os.path.abspath(opts.nsbridge), f"nsbpms-{os.getppid()}")
    high = HOLDERS * PER_HOLDER
    times = {level: {"ADD": [], "DEL": []} for level in (1, high)}
    rules = {level: set() for level in (1, high)}
    plugin.call("ADD", "base", [19999])  # the level-1 mapping, present throughout
    for cycle in range(opts.cycles):
        for level in ((1, high) if cycle % 2 == 0 else (high, 1)):
            measure_level(plugin, cycle, level, opts.probes, times, rules, opts.settle)
    plugin.call("DEL", "base", [19999])
    shutil.rmtree(plugin.data_dir, ignore_errors=True)
    print(f"# {opts.cycles} cycles x {opts.probes} probes per level, levels alternated; medians in ms")
    for verb in ("ADD", "DEL"):
        low, top = statistics.median(times[1][verb]), statistics.median(times[high][verb])
        print(f"{verb}: {low:.2f} with 1 mapped, {top:.2f} with {high} mapped, ratio {top / low:.3f}")
    print("rules in table inet nsbridge:", {level: sorted(seen) for level, seen in rules.items()})
    for failure in plugin.failures:
        print("FAILED:", failure)
    return 1 if plugin.failures else 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nsbridge", default=os.path.join(HERE, "..", "..", ".build", "release", "nsbridge"))
    ap.add_argument("--cycles", type=int, default=8)
    ap.add_argument("--probes", type=int, default=8, help="ADD+DEL probes per level and cycle")
    ap.add_argument("--settle", type=float, default=1.5, help="seconds of pause before each level's probes")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    opts = ap.parse_args(argv)
    if opts.inside:
        return run_inside(opts)
    return benchlib.rerun_in_throwaway_host("nsbpms", __file__, ["--nsbridge", os.path.abspath(opts.nsbridge),
                                                             "--cycles", str(opts.cycles), "--probes", str(opts.probes),
                                                             "--settle", str(opts.settle)])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
