#!/usr/bin/env bash
# CNI conformance harness: drives any CNI plugin binary as a runtime would and
# judges it only by independent observation (ip, nft, the IPAM data dir, pings).
#
#   conformance/run.sh --plugin /path/to/binary --type TYPE [--versions "0.3.1 1.0.0 ..."]
#                      [--expected-failures FILE] [--cni-path DIR1:DIR2] [--filter REGEX]
#
# Everything happens in throwaway network namespaces (one "host" netns per case);
# nothing on the real host is touched. See conformance/README.md.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib/netns.sh"
source "$HERE/lib/driver.sh"
source "$HERE/lib/observe.sh"
source "$HERE/lib/assert.sh"
source "$HERE/lib/fixture.sh"

usage() {
    sed -n '5,6p' "$0" | sed 's/^# *//' >&2
    exit 2
}

PLUGIN="" TYPE="" VERSIONS="" XFAIL_FILE="" CNI_PATH_ARG="" FILTER=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --plugin) PLUGIN=$2; shift 2 ;;
        --type) TYPE=$2; shift 2 ;;
        --versions) VERSIONS=$2; shift 2 ;;
        --expected-failures) XFAIL_FILE=$2; shift 2 ;;
        --cni-path) CNI_PATH_ARG=$2; shift 2 ;;
        --filter) FILTER=$2; shift 2 ;;
        -h | --help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
[[ -n "$PLUGIN" && -n "$TYPE" ]] || usage
[[ -x "$PLUGIN" ]] || { echo "plugin $PLUGIN is not an executable file" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "run as root: the harness creates network namespaces" >&2; exit 2; }
for tool in jq ip nft nsenter; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done
[[ -z "$XFAIL_FILE" || -r "$XFAIL_FILE" ]] || { echo "cannot read $XFAIL_FILE" >&2; exit 2; }

PLUGIN=$(realpath "$PLUGIN")
export CNI_PLUGIN=$PLUGIN CNI_PLUGIN_TYPE=$TYPE
export CNI_PATH_DIRS=${CNI_PATH_ARG:-$(dirname "$PLUGIN"):/usr/lib/cni}

RUN_DIR=$(mktemp -d /tmp/cnct-run.XXXXXX)
export CNI_WORK=$RUN_DIR
ns_init

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e  # clean up as much as possible, whatever fails
    # Background jobs of a case (parallel ADDs) are children of the case subshell,
    # which waits for them; nothing else of ours can be running here.
    ns_cleanup_all
    ns_forget_registry
    rm -rf "$RUN_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- case registry ---------------------------------------------------------
# def_case NAME FUNCTION [MIN_VERSION] [MAX_VERSION_EXCLUSIVE]
#   per-version case, run for every selected version in [MIN, MAX)
# def_once NAME FUNCTION
#   version-independent case, run once (it receives the newest selected version)
CASE_NAMES=() CASE_FUNCS=() CASE_MIN=() CASE_MAX=() ONCE_NAMES=() ONCE_FUNCS=()
def_case() {
    CASE_NAMES+=("$1") CASE_FUNCS+=("$2") CASE_MIN+=("${3:-0.0.0}") CASE_MAX+=("${4:-}")
}
def_once() { ONCE_NAMES+=("$1") ONCE_FUNCS+=("$2"); }

for f in "$HERE"/cases/*.sh; do
    source "$f"
done

# ---- versions --------------------------------------------------------------
# Without a usable VERSION answer there is nothing to iterate over, unless the
# caller named the versions; report it in the usual format either way.
if cni_version_info 1.0.0 >"$RUN_DIR/claimed" 2>/dev/null; then
    CLAIMED=$(<"$RUN_DIR/claimed")
else
    said=${CNI_OUT:-$CNI_ERR}
    echo "FAIL version-discovery: expected a version object from VERSION, saw exit $CNI_RC: ${said:0:200}"
    if [[ -z "$VERSIONS" ]]; then
        echo "0 passed, 1 failed"
        exit 1
    fi
    CLAIMED="(unknown)"
fi
VERSIONS=${VERSIONS:-$CLAIMED}
NEWEST=$(tr ' ' '\n' <<<"$VERSIONS" | sort -V | tail -n1)

# ---- expected failures -----------------------------------------------------
# Lines "PATTERN  reason"; PATTERN is a case name or a shell glob
# (e.g. "*/del-empty-netns"). '#' starts a comment.
XF_PATTERNS=() XF_REASONS=()
if [[ -n "$XFAIL_FILE" ]]; then
    while read -r pat reason; do
        [[ -z "$pat" || "$pat" == \#* ]] && continue
        XF_PATTERNS+=("$pat") XF_REASONS+=("$reason")
    done <"$XFAIL_FILE"
fi

# xfail_reason NAME -> prints the reason if NAME is listed; records the match
# in XF_USED (a file, because it is called inside $(...)).
xfail_reason() {
    local i
    for i in "${!XF_PATTERNS[@]}"; do
        # shellcheck disable=SC2053  # glob match is intended
        if [[ "$1" == ${XF_PATTERNS[$i]} ]]; then
            echo "$i" >>"$RUN_DIR/xf-used"
            echo "${XF_REASONS[$i]:-expected failure}"
            return 0
        fi
    done
    return 1
}

# A listed pattern that matched no case is probably stale (renamed case).
report_unused_xfails() {
    local i
    for i in "${!XF_PATTERNS[@]}"; do
        grep -qx "$i" "$RUN_DIR/xf-used" 2>/dev/null ||
            echo "# note: expected-failure pattern ${XF_PATTERNS[$i]} matched no case that ran"
    done
}

# ---- running ---------------------------------------------------------------
PASSED=0 FAILED=0 XFAILED=0 CASE_SEQ=0

# _err_where LINENO -> "file:line" of the innermost frame, plus the case file's
# frame when the failure happened inside a library function.
_err_where() {
    local where="${BASH_SOURCE[1]##*/}:$1" i
    for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
        if [[ "${BASH_SOURCE[$i]}" == */cases/* ]]; then
            [[ $i -gt 1 ]] && where+=" (called from ${BASH_SOURCE[$i]##*/}:${BASH_LINENO[$((i - 1))]})"
            break
        fi
    done
    echo "$where"
}

# run_case NAME FUNCTION VERSION
run_case() {
    local name=$1 func=$2 version=$3 reason msg rc=0
    [[ -z "$FILTER" || "$name" =~ $FILTER ]] || return 0
    CASE_SEQ=$((CASE_SEQ + 1))
    CASE_DIR="$RUN_DIR/case-$CASE_SEQ"
    mkdir -p "$CASE_DIR"
    # Not "( ... ) || rc=$?": inside a || list bash ignores set -e and the ERR
    # trap in the whole subshell, and a broken step would go unnoticed.
    set +e
    (
        set -eEuo pipefail
        # An unexpected command failure ends the case with the command named.
        trap 'fail "expected the case to run through, saw \"$BASH_COMMAND\" fail at $(_err_where "$LINENO")"' ERR
        fx_begin "$version"
        "$func" "$version"
        # A case may leave background jobs; they are ours, so wait for them.
        wait
    ) >"$CASE_DIR/log" 2>&1
    rc=$?
    set -e
    ns_cleanup_all
    msg=""
    [[ $rc -eq 0 ]] || msg=$(cat "$CASE_DIR/fail" 2>/dev/null || echo "exited $rc: $(tail -n 3 "$CASE_DIR/log" | tr '\n' ' ')")
    if reason=$(xfail_reason "$name"); then
        if [[ $rc -eq 0 ]]; then
            echo "XPASS $name (listed as expected failure: $reason)"
            FAILED=$((FAILED + 1))
        else
            echo "XFAIL $name ($reason)"
            [[ -n "${CONFORMANCE_VERBOSE:-}" ]] && echo "      $msg"
            XFAILED=$((XFAILED + 1))
        fi
    elif [[ $rc -eq 0 ]]; then
        echo "PASS $name"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL $name: $msg"
        FAILED=$((FAILED + 1))
    fi
    rm -rf "$CASE_DIR"
}

echo "# plugin $PLUGIN (type $TYPE), claims: $CLAIMED"
echo "# versions under test: $VERSIONS"
for i in "${!ONCE_NAMES[@]}"; do
    run_case "${ONCE_NAMES[$i]}" "${ONCE_FUNCS[$i]}" "$NEWEST"
done
for v in $VERSIONS; do
    for i in "${!CASE_NAMES[@]}"; do
        ver_ge "$v" "${CASE_MIN[$i]}" || continue
        [[ -z "${CASE_MAX[$i]}" ]] || ! ver_ge "$v" "${CASE_MAX[$i]}" || continue
        run_case "$v/${CASE_NAMES[$i]}" "${CASE_FUNCS[$i]}" "$v"
    done
done
[[ -n "$FILTER" ]] || report_unused_xfails
echo "# $XFAILED expected failures"
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
