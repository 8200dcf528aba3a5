#!/usr/bin/env bash
# Syscall profile of one ADD of each plugin (for PERFORMANCE.md).
#
#   conformance/bench/profile.sh [--nsbridge BIN] [--nsbridge-type TYPE] [--reference BIN]
#                                [--masq "off on"] [--out DIR]
#
# Defaults: nsbridge = .build/release/nsbridge of this checkout, reference = /usr/lib/cni/bridge.
#
# For each plugin and ipMasq setting, in a throwaway host netns with the bridge
# already created by a first (unprofiled) ADD:
#   1. `strace -c -f` of one ADD            -> DIR/<plugin>-masq-<m>.summary
#   2. `strace -f -yy` of one more ADD, and of its DEL (DIR/<plugin>-masq-<m>.trace[.del])
#      -> total syscalls, processes exec'd, netlink sockets opened, rtnetlink and
#      nfnetlink send/receive calls (printed as a table)
# Same netconf as run.sh (bridge nsbb0, 10.99.0.0/16, host-local in a temp dir).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_PREFIX=nsbb
# shellcheck source=../lib/netns.sh
source "$here/../lib/netns.sh"

nsbridge=$here/../../.build/release/nsbridge nsbridge_type=nsbridge
reference=/usr/lib/cni/bridge masqs="off on" out=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --nsbridge) nsbridge=$2; shift 2 ;;
        --nsbridge-type) nsbridge_type=$2; shift 2 ;;
        --reference) reference=$2; shift 2 ;;
        --masq) masqs=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: see the header of $0" >&2; exit 2 ;;
    esac
done
[[ $EUID -eq 0 ]] || { echo "profile.sh: must run as root" >&2; exit 1; }

work=$(mktemp -d "/tmp/nsbb-$$-profile.XXXXXX")
out=${out:-$work/out}
mkdir -p "$out"
ns_init
trap 'ns_cleanup_all; ns_forget_registry; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP

# call HOST BIN VERB CID NETNS CONF [WRAPPER...]: run one CNI call in HOST
call() {
    local host=$1 bin=$2 verb=$3 cid=$4 netns=$5 conf=$6; shift 6
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        CNI_COMMAND="$verb" CNI_CONTAINERID="$cid" CNI_NETNS="$netns" CNI_IFNAME=eth0 \
        CNI_PATH=/usr/lib/cni nsenter --net="$host" -- "$@" "$bin" <<<"$conf"
}

netconf() { # TYPE MASQ DATADIR
    printf '{"cniVersion":"1.0.0","name":"nsbbnet","type":"%s","bridge":"nsbb0","isGateway":true,"ipMasq":%s,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.99.0.0/16"}]],"dataDir":"%s"}}' \
        "$1" "$([[ $2 == on ]] && echo true || echo false)" "$3"
}

# Netlink figures from an `strace -f -yy` trace (see nltrace.py).
count_trace() { python3 "$here/nltrace.py" "$1"; }

printf '%-10s %-5s %8s %6s %8s %12s %12s %12s\n' plugin masq syscalls execs nl-socks \
    "rtnl snd/rcv" "nfnl snd/rcv" "-c total"
for masq in $masqs; do
    for side in nsbridge reference; do
        if [[ $side == nsbridge ]]; then bin=$nsbridge type=$nsbridge_type; else bin=$reference type=bridge; fi
        host=$(ns_create "prof-$side-$masq") || exit 1
        data="$work/data-$side-$masq"
        conf=$(netconf "$type" "$masq" "$data")
        c0=$(ns_create "prof-$side-$masq-c0") c1=$(ns_create "prof-$side-$masq-c1")
        c2=$(ns_create "prof-$side-$masq-c2")
        call "$host" "$bin" ADD warm "$c0" "$conf" >/dev/null || { echo "$side: warm-up ADD failed" >&2; continue; }
        summary="$out/$side-masq-$masq.summary"
        call "$host" "$bin" ADD counted "$c1" "$conf" strace -c -f -o "$summary" >/dev/null ||
            echo "$side: ADD under strace -c failed" >&2
        trace="$out/$side-masq-$masq.trace"
        result=$(call "$host" "$bin" ADD traced "$c2" "$conf" strace -f -yy -s 0 -o "$trace") ||
            echo "$side: ADD under strace -f failed" >&2
        read -r total execs socks rs rr fs fr _ < <(count_trace "$trace")
        ctotal=$(awk '$NF == "total" {print $4}' "$summary")
        printf '%-10s %-5s %8s %6s %8s %12s %12s %12s\n' "$side" "$masq" "$total" "$execs" "$socks" \
            "$rs/$rr" "$fs/$fr" "$ctotal"
        # The DEL of that container, with the ADD result as prevResult (as libcni sends it).
        del_conf=$(jq -c --argjson r "${result:-null}" '. + {prevResult: $r}' <<<"$conf")
        call "$host" "$bin" DEL traced "$c2" "$del_conf" strace -f -yy -s 0 -o "$trace.del" >/dev/null ||
            echo "$side: DEL under strace -f failed" >&2
        read -r total execs socks rs rr fs fr _ < <(count_trace "$trace.del")
        printf '%-10s %-5s %8s %6s %8s %12s %12s %12s\n' "$side DEL" "$masq" "$total" "$execs" "$socks" \
            "$rs/$rr" "$fs/$fr" "-"
    done
done
echo
if [[ $out == "$work/out" ]]; then
    echo "(traces are removed on exit; pass --out DIR to keep them)"
else
    echo "strace -c summaries and full traces: $out"
fi
for f in "$out"/*.summary; do
    echo "== ${f##*/} (top 12 by calls)"
    awk 'NR > 2 && !/^-/ && !/total$/' "$f" | sort -k4,4nr | head -12
done
