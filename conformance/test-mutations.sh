#!/usr/bin/env bash
# Mutation check for the conformance harness: wrap a working plugin (default:
# the reference bridge) in deliberately broken wrappers and make sure the
# harness catches each one. Exits non-zero if a mutant passes, or if the
# unmodified plugin fails the same subset (then the check proves nothing).
#
#   conformance/test-mutations.sh [--plugin /usr/lib/cni/bridge] [--type bridge] [--version 1.0.0]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REAL=/usr/lib/cni/bridge TYPE=bridge VERSION=1.0.0
while [[ $# -gt 0 ]]; do
    case $1 in
        --plugin) REAL=$2; shift 2 ;;
        --type) TYPE=$2; shift 2 ;;
        --version) VERSION=$2; shift 2 ;;
        *) echo "usage: $0 [--plugin BIN] [--type TYPE] [--version V]" >&2; exit 2 ;;
    esac
done
REAL=$(realpath "$REAL")

WORK=$(mktemp -d /tmp/cnct-mutants.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# mutant NAME BODY: a wrapper script around $REAL. BODY sees $REAL and "$@".
mutant() {
    cat >"$WORK/$1" <<SCRIPT
#!/usr/bin/env bash
REAL='$REAL'
$2
SCRIPT
    chmod +x "$WORK/$1"
}

# Podman loses IPs whose ips[].interface is missing.
mutant drop-ips-interface '
input=$(cat)
out=$("$REAL" <<<"$input"); rc=$?
if [[ $CNI_COMMAND == ADD && $rc -eq 0 ]]; then
    jq "del(.ips[]?.interface)" <<<"$out"
else
    printf "%s\n" "$out"
fi
exit $rc'

# DEL that does nothing: the veth, the reservation and the rules leak.
mutant leak-on-del '
if [[ $CNI_COMMAND == DEL ]]; then exit 0; fi
exec "$REAL"'

# Errors printed on stderr instead of stdout (libcni then only sees free text).
mutant errors-on-stderr '
input=$(cat)
out=$("$REAL" <<<"$input"); rc=$?
if [[ $rc -ne 0 ]]; then printf "%s\n" "$out" >&2; else printf "%s\n" "$out"; fi
exit $rc'

# A log line on stdout next to the result: libcni cannot parse that.
mutant log-on-stdout '
[[ $CNI_COMMAND == ADD ]] && echo "starting ADD"
exec "$REAL"'

# Claims 1.1.0 (by translating to 1.0.0 for the real plugin) and answers STATUS
# and GC with a bare success, doing nothing. The 1.1.0 cases must still run
# (status-ok passes), and GC must be caught doing nothing.
mutant fake-1.1.0-no-gc '
input=$(cat)
case $CNI_COMMAND in
    VERSION) "$REAL" <<<"$input" | jq -c ".supportedVersions += [\"1.1.0\"]"; exit ;;
    STATUS | GC) exit 0 ;;
esac
if [[ $(jq -r .cniVersion <<<"$input") != 1.1.0 ]]; then exec "$REAL" <<<"$input"; fi
input=$(jq -c ".cniVersion = \"1.0.0\" | if .prevResult then .prevResult.cniVersion = \"1.0.0\" else . end" <<<"$input")
out=$("$REAL" <<<"$input"); rc=$?
if [[ $rc -eq 0 && -n $out ]]; then jq ".cniVersion = \"1.1.0\"" <<<"$out"; else printf "%s\n" "$out"; fi
exit $rc'

# Which cases must catch which mutant (kept small so this runs in seconds).
declare -A FILTER=(
    [drop-ips-interface]="^$VERSION/result-podman-shape\$"
    [leak-on-del]="^$VERSION/(del-cleans|del-no-prevresult)\$"
    [errors-on-stderr]="^$VERSION/(missing-env|bad-json|invalid-names)\$"
    [log-on-stdout]="^$VERSION/add-basic\$"
)

# run_harness_v PLUGIN VERSIONS FILTER -> exit status of run.sh; output in $WORK/out
run_harness_v() {
    local rc=0
    "$HERE/run.sh" --plugin "$1" --type "$TYPE" --versions "$2" --filter "$3" \
        --cni-path "$(dirname "$REAL"):/usr/lib/cni" >"$WORK/out" 2>&1 || rc=$?
    return $rc
}

run_harness() { run_harness_v "$1" "$VERSION" "$2"; }

status=0
all_filters=$(IFS='|'; echo "${FILTER[*]}")
if run_harness "$REAL" "$all_filters"; then
    echo "ok   unmodified $REAL passes the subset ($(tail -n1 "$WORK/out"))"
else
    echo "BAD  unmodified $REAL fails the subset, so mutants prove nothing:"
    sed 's/^/     /' "$WORK/out"
    status=1
fi

# The fake 1.1.0 plugin: STATUS/GC cases must run, the no-op GC must fail.
if run_harness_v "$WORK/fake-1.1.0-no-gc" 1.1.0 '^1\.1\.0/(status-ok|gc)$'; then
    echo "BAD  mutant fake-1.1.0-no-gc (GC does nothing) passed the harness:"
    sed 's/^/     /' "$WORK/out"
    status=1
elif grep -q '^PASS 1.1.0/status-ok' "$WORK/out" && grep -q '^FAIL 1.1.0/gc:' "$WORK/out"; then
    echo "ok   mutant fake-1.1.0-no-gc caught: $(grep -m1 '^FAIL' "$WORK/out")"
else
    echo "BAD  mutant fake-1.1.0-no-gc: expected PASS 1.1.0/status-ok and FAIL 1.1.0/gc, saw:"
    sed 's/^/     /' "$WORK/out"
    status=1
fi

for name in "${!FILTER[@]}"; do
    if run_harness "$WORK/$name" "${FILTER[$name]}"; then
        echo "BAD  mutant $name passed the harness:"
        sed 's/^/     /' "$WORK/out"
        status=1
    else
        echo "ok   mutant $name caught: $(grep -m1 '^FAIL' "$WORK/out" || tail -n1 "$WORK/out")"
    fi
done
exit $status
