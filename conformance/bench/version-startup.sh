#!/usr/bin/env bash
# Start-up benchmark: CNI_COMMAND=VERSION, nsbridge release binary vs. the reference Go bridge.
#
#   conformance/bench/version-startup.sh [RUNS] [NSBRIDGE] [REFERENCE]
#
# Defaults: 400 runs, .build/release/nsbridge, /usr/lib/cni/bridge. Runs are interleaved
# (A, B, A, B, …) so machine noise hits both alike. Wall time per exec is measured in Python
# with perf_counter_ns around fork+exec+wait; peak RSS comes from /usr/bin/time -f %M.
# Prints median and p95 for each, the median ratio, and exits 1 if either binary misbehaves.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${1:-400}
nsbridge=${2:-.build/release/nsbridge}
reference=${3:-/usr/lib/cni/bridge}

for binary in "$nsbridge" "$reference"; do
    [[ -x $binary ]] || { echo "error: $binary is not an executable (run 'make release' first)" >&2; exit 1; }
done

python3 - "$runs" "$nsbridge" "$reference" <<'PY'
import json, os, subprocess, sys, time

runs, binaries = int(sys.argv[1]), {"nsbridge": sys.argv[2], "reference": sys.argv[3]}
# What libcni sends for VERSION: dummy attachment variables and a minimal config on stdin.
env = {"PATH": "/usr/bin:/bin", "CNI_COMMAND": "VERSION", "CNI_CONTAINERID": "",
       "CNI_NETNS": "dummy", "CNI_IFNAME": "dummy", "CNI_PATH": "dummy"}
stdin = b'{"cniVersion":"1.1.0"}'

def once(path):
    start = time.perf_counter_ns()
    done = subprocess.run([path], env=env, input=stdin, capture_output=True)
    elapsed = time.perf_counter_ns() - start
    if done.returncode != 0 or "supportedVersions" not in json.loads(done.stdout):
        sys.exit(f"error: {path} VERSION failed: rc={done.returncode} stdout={done.stdout!r}")
    return elapsed

def peak_rss_kib(path):
    done = subprocess.run(["/usr/bin/time", "-f", "%M", path], env=env, input=stdin, capture_output=True)
    return int(done.stderr.decode().strip().splitlines()[-1])

def quantile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

for path in binaries.values():          # warm the page cache
    for _ in range(10):
        once(path)
times = {name: [] for name in binaries}
for _ in range(runs):
    for name, path in binaries.items():
        times[name].append(once(path))

print(f"CNI_COMMAND=VERSION, {runs} interleaved runs each (fork+exec+wait from Python)")
print(f"{'binary':<10} {'median µs':>10} {'p95 µs':>10} {'peak RSS KiB':>13}  path")
for name, path in binaries.items():
    rss = sorted(peak_rss_kib(path) for _ in range(5))[2]
    print(f"{name:<10} {quantile(times[name], 0.5) / 1000:>10.0f} {quantile(times[name], 0.95) / 1000:>10.0f} "
          f"{rss:>13}  {path}")
ratio = quantile(times["nsbridge"], 0.5) / quantile(times["reference"], 0.5)
print(f"median ratio nsbridge/reference: {ratio:.2f}")
PY
