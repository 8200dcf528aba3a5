#!/usr/bin/env bash
# Privileged test of the invocation log under load: 32 concurrent ADDs and then 32 concurrent
# DELs, each in its own throwaway container namespace behind one throwaway "host" namespace,
# with a rotation size (16 kB, about 40 lines) that makes the 64 lines rotate exactly once. Every line must be one valid JSON object
# with the documented fields, no line may be lost or interleaved, stdout must carry only the
# CNI result, and without logFile no log file may appear.
#
#   sudo Tests/ops/log.sh --plugin /path/to/nsbridge
set -euo pipefail

PLUGIN=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --plugin) PLUGIN=$(realpath "$2"); shift 2 ;;
        *) echo "usage: $0 --plugin BIN" >&2; exit 2 ;;
    esac
done
[[ -x "$PLUGIN" ]] || { echo "no plugin binary given (--plugin BIN)" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "log.sh: skipped, needs root"; exit 0; }

COUNT=32
TAG="lg$$"
HOST="$TAG-h"
STATE=$(mktemp -d /tmp/nsbridge-log.XXXXXX)
LOG="$STATE/log/nsbridge.log"
NET=10.233.$(( $$ % 200 + 20 ))
passed=0 failed=0

cleanup() {
    set +e
    for i in $(seq 1 $COUNT); do ip netns del "$TAG-$i" 2>/dev/null; done
    ip netns del "$HOST" 2>/dev/null
    rm -rf "$STATE"
}
trap cleanup EXIT
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

mkdir -p "$STATE/log" "$STATE/out"
config() {  # config [EXTRA-JSON]
    jq -nc --arg dir "$STATE/ipam" --arg net "$NET.0/24" --argjson extra "${1:-{\}}" '{
        cniVersion: "1.0.0", name: "log-net", type: "nsbridge", bridge: "lg0", isGateway: true, ipMasq: true,
        ipam: {type: "host-local", ranges: [[{subnet: $net}]], dataDir: $dir}} + $extra'
}
LOGGED=$(config "{\"logFile\": \"$LOG\"}")
cni() {  # cni VERB INDEX CONFIG
    CNI_COMMAND=$1 CNI_CONTAINERID="$TAG-$2" CNI_NETNS="/run/netns/$TAG-$2" CNI_IFNAME=eth0 CNI_PATH=/nonexistent \
        NSBRIDGE_LOG_MAX_BYTES=16000 ip netns exec "$HOST" "$PLUGIN" <<<"$3"
}

ip netns add "$HOST"
for i in $(seq 1 $COUNT); do ip netns add "$TAG-$i"; done

# Off by default: a network without logFile writes no file anywhere we can see.
ip netns add "$TAG-off"
CNI_COMMAND=ADD CNI_CONTAINERID="$TAG-off" CNI_NETNS="/run/netns/$TAG-off" CNI_IFNAME=eth0 CNI_PATH=/x \
    ip netns exec "$HOST" "$PLUGIN" <<<"$(config)" >/dev/null
CNI_COMMAND=DEL CNI_CONTAINERID="$TAG-off" CNI_IFNAME=eth0 CNI_PATH=/x ip netns exec "$HOST" "$PLUGIN" <<<"$(config)"
ip netns del "$TAG-off"
if [[ -z "$(ls -A "$STATE/log")" ]]; then pass "no logFile: no log written"; else fail "a log appeared without logFile"; fi

pids=()
for i in $(seq 1 $COUNT); do cni ADD "$i" "$LOGGED" >"$STATE/out/$i" & pids+=($!); done
add_failures=0
for pid in "${pids[@]}"; do wait "$pid" || add_failures=$((add_failures + 1)); done
if [[ $add_failures == 0 ]] && cat "$STATE/out/"* | jq -se "length == $COUNT and all(.ips | length == 1)" >/dev/null
then pass "$COUNT concurrent ADDs succeeded, stdout holds only the results"; else fail "ADDs: $add_failures failed"; fi

pids=()
for i in $(seq 1 $COUNT); do cni DEL "$i" "$LOGGED" & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid" || true; done

lines=$(cat "$LOG.1" "$LOG" 2>/dev/null)
if [[ -e "$LOG.1" ]]; then pass "the log rotated at NSBRIDGE_LOG_MAX_BYTES, keeping one old file"; else fail "no rotation happened"; fi
if python3 -c '
import json, sys
count, tag = int(sys.argv[1]), sys.argv[2]
records = [json.loads(line) for line in sys.stdin.read().splitlines()]
fields = {"time", "id", "verb", "containerID", "ifname", "netns", "network", "addresses", "code", "durationMs", "phases"}
phases = {"configParse", "lockWait", "ipam", "netlink", "nftables", "tc"}
assert all(fields <= set(r) and phases <= set(r["phases"]) for r in records), "missing fields"
for verb in ("ADD", "DEL"):
    ids = sorted(r["containerID"] for r in records if r["verb"] == verb)
    assert ids == sorted(f"{tag}-{i}" for i in range(1, count + 1)), (verb, ids)
assert all(r["code"] == 0 and r["network"] == "log-net" for r in records)
assert all(len(r["addresses"]) == 1 for r in records if r["verb"] == "ADD")
assert len({r["id"] for r in records}) == len(records) == 2 * count
' "$COUNT" "$TAG" <<<"$lines"; then pass "every line is one valid JSON object; none lost, duplicated or interleaved"
else fail "log lines"; fi
echo "log.sh: $passed passed, $failed failed"
[[ $failed == 0 ]]
