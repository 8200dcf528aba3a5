#!/usr/bin/env bash
# nsbridge vs. reference bridge + host-local benchmark: one command.
# All options are passed to bench.py (see README.md or `run.sh --help`).
# bench.py cleans up after itself; this wrapper is the last resort: on any exit
# it removes every namespace and temp dir carrying this run's tag (nsbb-<pid>).
# shellcheck disable=SC2317  # cleanup and forward are called from traps
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tag="nsbb-$$"
pid=""

ours() { ip netns list 2>/dev/null | awk -v t="$tag-" 'index($1, t) == 1 {print $1}'; }

cleanup() {
    local name
    for name in $(ours); do ip netns del "$name" 2>/dev/null; done
    rm -rf /tmp/"$tag"-* 2>/dev/null
    if [[ -n "$(ours)" ]]; then
        echo "run.sh: WARNING: namespaces left behind: $(ours | tr '\n' ' ')" >&2
    fi
}

# A background child of a script ignores SIGINT, so Ctrl-C is passed on as TERM
# (bench.py treats both alike: stop, clean up, print what it has).
forward() { [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null; }
trap forward INT TERM HUP
trap cleanup EXIT

[[ $EUID -eq 0 ]] || { echo "run.sh: must run as root" >&2; exit 1; }
python3 "$here/bench.py" --tag "$tag" "$@" &
pid=$!
rc=0
while :; do
    wait "$pid"; rc=$?
    kill -0 "$pid" 2>/dev/null || break
done
exit "$rc"
