#!/usr/bin/env python3
"""Podman's network chain through a libcni-like driver (conformance/lib/cnichain.py), one port
mapping per container, side by side in one run:

  reference   bridge + portmap + firewall + tuning   (what `podman network create` writes)
  nsbridge    nsbridge (portMappings declared) + tuning
  slot        nsbridge in the bridge slot of the full reference chain

Everything runs inside a throwaway "host" namespace (this script re-executes itself there), each
container in its own throwaway namespace; the chains are interleaved container by container
(A B C, B C A, ...) so machine load hits all alike. Prints medians, p95 and the ratio of each
median to the reference's. Not a test: it never fails on a number. Serialize runs:

    flock /tmp/nsbridge-bench.lock conformance/bench/chain.py [--nsbridge BIN] [--n 40]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import cnichain  # noqa: E402

REFERENCE_DIR = "/usr/lib/cni"


def ipam(subnet, data_dir):
    return {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}], "dataDir": data_dir,
            "ranges": [[{"subnet": subnet + ".0/24", "gateway": subnet + ".1"}]]}


def main_plugin(kind, bridge, subnet, data_dir):
    plugin = {"type": kind, "bridge": bridge, "isGateway": True, "ipMasq": True, "hairpinMode": True,
              "ipam": ipam(subnet, data_dir)}
    return plugin


def conflists(data_dir):
    """name -> conflist, in Podman's shape (cniVersion 0.4.0)."""
    portmap = {"type": "portmap", "capabilities": {"portMappings": True}}
    tail = [portmap, {"type": "firewall", "backend": ""}, {"type": "tuning"}]
    alone = dict(main_plugin("nsbridge", "nsbbc1", "10.181.0", data_dir), capabilities={"portMappings": True})
    return {
        "reference": {"cniVersion": "0.4.0", "name": "nsbbc-ref",
                      "plugins": [main_plugin("bridge", "nsbbc0", "10.180.0", data_dir)] + tail},
        "nsbridge": {"cniVersion": "0.4.0", "name": "nsbbc-alone", "plugins": [alone, {"type": "tuning"}]},
        "slot": {"cniVersion": "0.4.0", "name": "nsbbc-slot",
                 "plugins": [main_plugin("nsbridge", "nsbbc2", "10.182.0", data_dir)] + tail},
    }


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run_inside(opts):
    scratch = tempfile.mkdtemp(prefix="nsbbc-")
    bindir = os.path.join(scratch, "bin")
    os.mkdir(bindir)
    os.symlink(os.path.abspath(opts.nsbridge), os.path.join(bindir, "nsbridge"))
    chains = {name: cnichain.Chain(conf, [bindir, REFERENCE_DIR], os.path.join(scratch, "cache-" + name))
              for name, conf in conflists(os.path.join(scratch, "ipam")).items()}
    names = list(chains)
    times = {name: {"ADD": [], "DEL": []} for name in names}
    plugin_times = {}
    failures = []
    attached = []
    for i in range(opts.n):
        order = names[i % len(names):] + names[:i % len(names)]
        for name in order:
            netns = f"nsbbc-{os.getpid()}-{name}-{i}"
            subprocess.run(["ip", "netns", "add", netns], check=True)
            caps = {"portMappings": [{"hostPort": 20000 + i, "containerPort": 80, "protocol": "tcp"}]}
            cid = f"{name}{i:04d}".ljust(64, "0")
            start = time.perf_counter()
            outcome = chains[name].add(cid, "/run/netns/" + netns, cap_args=caps)
            times[name]["ADD"].append(time.perf_counter() - start)
            note_plugin_times(plugin_times, name, outcome)
            if not outcome.ok:
                failures.append(f"{name} ADD {i}: {outcome.out or outcome.err}"[:300])
            attached.append((name, cid, netns, caps))
    for index, (name, cid, netns, caps) in enumerate(attached):
        start = time.perf_counter()
        outcome = chains[name].delete(cid, "/run/netns/" + netns, cap_args=caps)
        times[name]["DEL"].append(time.perf_counter() - start)
        note_plugin_times(plugin_times, name, outcome)
        if not outcome.ok:
            failures.append(f"{name} DEL: {outcome.out or outcome.err}"[:300])
        subprocess.run(["ip", "netns", "delete", netns], check=False)
    report(times, failures, opts)
    report_plugins(plugin_times)


def note_plugin_times(plugin_times, chain, outcome):
    """Adds each plugin process's wall time in this chain call, keyed by (chain, verb, plugin)."""
    for plugin_type, verb, _rc, elapsed_ms in outcome.calls:
        plugin_times.setdefault((chain, verb, plugin_type), []).append(elapsed_ms)


def report_plugins(plugin_times):
    """Where each chain's time goes: the median of every plugin process, exec included. The
    difference to the chain's median is the driver's own work (result cache, JSON)."""
    print("# per plugin process, medians in ms")
    for (chain, verb, plugin_type), values in sorted(plugin_times.items()):
        print(f"{chain:<10} {verb:<4} {plugin_type:<9} {statistics.median(values):>8.2f}")


def report(times, failures, opts):
    rows = []
    print(f"# {opts.n} containers per chain, one port mapping each, chains interleaved; medians in ms")
    print(f"{'chain':<10} {'verb':<4} {'median':>8} {'p95':>8} {'ratio':>7}")
    for verb in ("ADD", "DEL"):
        base = statistics.median(times["reference"][verb])
        for name, verbs in times.items():
            values = verbs[verb]
            median = statistics.median(values)
            row = {"chain": name, "verb": verb, "median_ms": round(median * 1000, 2),
                   "p95_ms": round(percentile(values, 0.95) * 1000, 2), "ratio": round(median / base, 3)}
            rows.append(row)
            print(f"{name:<10} {verb:<4} {row['median_ms']:>8.2f} {row['p95_ms']:>8.2f} {row['ratio']:>7.3f}")
    for failure in failures:
        print("FAILED:", failure)
    if opts.json:
        with open(opts.json, "w") as out:
            json.dump({"rows": rows, "failures": failures}, out, indent=1)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nsbridge", default=os.path.join(HERE, "..", "..", ".build", "release", "nsbridge"))
    ap.add_argument("--n", type=int, default=40, help="containers per chain")
    ap.add_argument("--json", help="also write the table here")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    opts = ap.parse_args(argv)
    if opts.inside:
        return run_inside(opts)
    # iptables-nft's tables, as on a host with Docker: the reference's firewall and portmap
    # use them anyway, and nsbridge then adds its forwarding acceptance.
    return benchlib.rerun_in_throwaway_host("nsbbc", __file__, ["--nsbridge", os.path.abspath(opts.nsbridge), "--n", str(opts.n)]
                                            + (["--json", opts.json] if opts.json else []),
                                            setup=[["iptables-nft", "-P", "FORWARD", "DROP"]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
