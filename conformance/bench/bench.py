#!/usr/bin/env python3
"""nsbridge vs. reference bridge + host-local: interleaved benchmark. See README.md.

Normally started by run.sh (which adds a last-resort cleanup), but it cleans up
after itself on normal exit, errors, Ctrl-C and SIGTERM.
"""

import argparse
import datetime
import json
import os
import platform
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import BenchError, Namespaces, Scratch  # noqa: E402
from plugins import Plugin  # noqa: E402
from report import Report  # noqa: E402
from scenarios import Scenarios  # noqa: E402

ALL = ["version", "seq", "seq-masq", "parallel", "rss", "ipam", "portmap", "scale"]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--nsbridge", default=os.path.join(repo, ".build/release/nsbridge"),
                    help="binary under test (default: .build/release/nsbridge of this checkout)")
    ap.add_argument("--nsbridge-type", default="nsbridge", help="netconf type for it (bridge when the "
                    "reference stands in for nsbridge)")
    ap.add_argument("--reference", default="/usr/lib/cni/bridge")
    ap.add_argument("--reference-type", default="bridge")
    ap.add_argument("--nsbridge-extra", type=json.loads, default={},
                    help='JSON object of netconf keys added for nsbridge only, e.g. \'{"ipspoofchk": true}\'')
    ap.add_argument("--reference-extra", type=json.loads, default={},
                    help="the same for the reference side")
    ap.add_argument("--n", type=int, default=100, help="containers in the sequential scenario")
    ap.add_argument("--parallel", type=int, default=32, help="K for the parallel scenario")
    ap.add_argument("--parallel-rounds", type=int, default=3)
    ap.add_argument("--version-runs", type=int, default=200)
    ap.add_argument("--rss-runs", type=int, default=5)
    ap.add_argument("--scale", default="1 1000 4000", help="containers already attached")
    ap.add_argument("--scale-probes", type=int, default=10, help="ADD+DEL probes per scale level")
    ap.add_argument("--scale-rest", type=float, default=10.0,
                    help="seconds between filling a scale level and probing it (the kernel's DAD/MLD follow-up)")
    ap.add_argument("--skip-reference-scale-1000", action="store_true",
                    help="do not fill the reference to 1,000 containers (its iptables path is slow)")
    ap.add_argument("--reference-scale-max", type=int, default=1000,
                    help="highest scale level the reference is filled to (4,000 takes it ~15 min)")
    ap.add_argument("--ipam-taken", default="1 1000 10000", help="reservations pre-created in the /16")
    ap.add_argument("--ipam-runs", type=int, default=10)
    ap.add_argument("--portmap-scale", default="1 1000", help="port mappings already in place (nsbridge only)")
    ap.add_argument("--only", default=",".join(ALL), help=f"comma list of scenarios: {','.join(ALL)}")
    ap.add_argument("--nice", type=int, default=0,
                    help="run the driver and the plugins at this nice value (e.g. -10 on a shared machine)")
    ap.add_argument("--settle", type=float, default=1.0, help="seconds to wait after tearing down")
    ap.add_argument("--json", help="write the results as JSON here")
    ap.add_argument("--tag", default=f"nsbb-{os.getpid()}", help="namespace/temp name prefix (nsbb...)")
    opts = ap.parse_args(argv)
    opts.scale = sorted(int(x) for x in opts.scale.split())
    if opts.skip_reference_scale_1000:
        opts.reference_scale_max = min(opts.reference_scale_max, 999)
    opts.ipam_taken = sorted(int(x) for x in opts.ipam_taken.split())
    opts.portmap_scale = sorted(int(x) for x in opts.portmap_scale.split())
    opts.only = [x.strip() for x in opts.only.split(",") if x.strip()]
    unknown = set(opts.only) - set(ALL)
    if unknown:
        ap.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return opts


def common_version(plugins):
    """The newest of 1.1.0 / 1.0.0 that both plugins claim (the reference stops at 1.0.0)."""
    claimed = [set(p.supported_versions()) for p in plugins]
    for version in ("1.1.0", "1.0.0", "0.4.0"):
        if all(version in c for c in claimed):
            return version
    raise BenchError(f"no common CNI version: {claimed}")


def run_all(opts, scen):
    steps = {
        "version": scen.version_startup,
        "seq": lambda: scen.sequential(False),
        "seq-masq": lambda: scen.sequential(True),
        "parallel": scen.parallel,
        "rss": lambda: (scen.peak_rss(False), scen.peak_rss(True)),
        "ipam": scen.ipam,
        "portmap": scen.portmap_scale,
        "scale": scen.scale,  # last: tearing down 2,000 namespaces keeps the kernel busy
    }
    for name in ALL:
        if name in opts.only:
            t0 = time.monotonic()
            print(f"== {name}", flush=True)
            steps[name]()
            print(f"   ({time.monotonic() - t0:.1f} s)", flush=True)


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv):
    opts = parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("bench: must run as root (it creates network namespaces)")
    if opts.nice:
        os.nice(opts.nice)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    plugins = [Plugin("nsbridge", opts.nsbridge, opts.nsbridge_type, opts.nsbridge_extra),
               Plugin("reference", opts.reference, opts.reference_type, opts.reference_extra)]
    for p in plugins:
        if not os.access(p.binary, os.X_OK):
            sys.exit(f"bench: {p.label} binary {p.binary} is not executable")
    namespaces = Namespaces(opts.tag)
    scratch = Scratch(opts.tag)
    report = None
    started = time.monotonic()
    try:
        namespaces.enter(namespaces.create("boot"))
        version = common_version(plugins)
        report = Report({"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                         "kernel": platform.release(), "cniVersion": version, "cpus": os.cpu_count(),
                         "loadavg_start": os.getloadavg()[0],
                         "nsbridge": f"{opts.nsbridge} (type {opts.nsbridge_type})",
                         "reference": f"{opts.reference} (type {opts.reference_type})",
                         "options": {k: v for k, v in vars(opts).items() if k != "tag"}})
        print(f"cniVersion {version} for both; namespaces {opts.tag}-*; scratch {scratch.path}", flush=True)
        run_all(opts, Scenarios(opts, namespaces, scratch, plugins, version, report))
        report.meta["duration_s"] = round(time.monotonic() - started, 1)
        report.meta["loadavg_end"] = os.getloadavg()[0]
    except KeyboardInterrupt as exc:
        print(f"\nbench: interrupted ({exc or 'Ctrl-C'}); cleaning up", file=sys.stderr)
        return 130
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    finally:
        namespaces.cleanup()
        scratch.cleanup()
        if report is not None:
            print()
            print(report.table())
            if opts.json:
                report.write_json(opts.json)
                print(f"\nJSON written to {opts.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
