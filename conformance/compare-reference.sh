#!/usr/bin/env bash
# "Same as the reference" check: run one netconf through the plugin under test
# and through the reference bridge plugin, each in its own throwaway host netns,
# with the same container IDs, names and MACs, then diff what the kernel and
# the IPAM dir show (random names and MACs normalised away).
#
#   sudo conformance/compare-reference.sh --plugin BIN --type TYPE [--reference /usr/lib/cni/bridge]
#
# One line per aspect, SAME or DIFF (followed by a unified diff), last line
# "N passed, N failed". Firewall rules are not compared: the reference uses
# iptables chains, nsbridge its own nftables table, by design.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib/netns.sh"
source "$HERE/lib/driver.sh"
source "$HERE/lib/observe.sh"

PLUGIN="" TYPE="" REFERENCE=/usr/lib/cni/bridge
while [[ $# -gt 0 ]]; do
    case $1 in
        --plugin) PLUGIN=$2; shift 2 ;;
        --type) TYPE=$2; shift 2 ;;
        --reference) REFERENCE=$2; shift 2 ;;
        *) sed -n '7p' "$0" >&2; exit 2 ;;
    esac
done
[[ -x "$PLUGIN" && -n "$TYPE" ]] || { sed -n '7p' "$0" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "run as root" >&2; exit 2; }
PLUGIN=$(realpath "$PLUGIN") REFERENCE=$(realpath "$REFERENCE")

WORK=$(mktemp -d /tmp/cnct-compare.XXXXXX)
CNI_WORK=$WORK
NS_PREFIX=cncmp
ns_init
trap 'set +e; ns_cleanup_all; ns_forget_registry; rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Seed topology 2, dual-stack, plus MTU, a route and DNS: features both share.
netconf() {
    jq -n --arg type "$1" --arg dir "$2" '{
        cniVersion: "1.0.0", name: "cncmp", type: $type, bridge: "cncmp0",
        isGateway: true, isDefaultGateway: true, ipMasq: true, mtu: 1400,
        ipam: {type: "host-local", dataDir: $dir,
               ranges: [[{subnet: "10.77.0.0/24"}], [{subnet: "fd00:77::/64"}]],
               routes: [{dst: "198.18.0.0/15"}]},
        dns: {nameservers: ["10.77.0.1"], search: ["cmp.test"]}}'
}

# Kernel state as comparable JSON, with random names/MACs replaced by roles.
container_state() {
    local ns=$1
    jq -n --argjson link "$(in_ns "$ns" ip -j -d link show dev eth0)" \
        --argjson addr "$(in_ns "$ns" ip -j addr show dev eth0 scope global)" \
        --argjson r4 "$(in_ns "$ns" ip -j route show table main)" \
        --argjson r6 "$(in_ns "$ns" ip -j -6 route show table main)" \
        --arg arp_notify "$(in_ns "$ns" cat /proc/sys/net/ipv4/conf/eth0/arp_notify)" \
        --arg accept_dad "$(in_ns "$ns" cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" '{
        link: ($link[0] | {mtu, operstate, address, kind: .linkinfo.info_kind}),
        addresses: [$addr[0].addr_info[] | select(.local) | "\(.local)/\(.prefixlen)"] | sort,
        routes: [($r4 + $r6)[] | select((.dst | startswith("fe80:") or startswith("ff00:")) | not)
                 | {dst, gateway, dev, protocol, scope, metric}] | sort_by(.dst),
        sysctl: {arp_notify: $arp_notify, accept_dad: $accept_dad}}'
}

host_state() {
    local host=$1 veth=$2
    jq -n --argjson br "$(in_ns "$host" ip -j -d link show dev cncmp0)" \
        --argjson braddr "$(in_ns "$host" ip -j addr show dev cncmp0 scope global)" \
        --argjson veth "$(in_ns "$host" ip -j -d link show dev "$veth")" \
        --arg fwd4 "$(in_ns "$host" cat /proc/sys/net/ipv4/ip_forward)" \
        --arg fwd6 "$(in_ns "$host" cat /proc/sys/net/ipv6/conf/all/forwarding)" '{
        bridge: ($br[0] | {mtu, operstate, kind: .linkinfo.info_kind,
                 vlan_filtering: .linkinfo.info_data.vlan_filtering, stp_state: .linkinfo.info_data.stp_state}),
        bridge_addresses: [$braddr[0].addr_info[] | select(.local) | "\(.local)/\(.prefixlen)"] | sort,
        host_veth: ($veth[0] | {mtu, operstate, master, kind: .linkinfo.info_kind,
                    hairpin: .linkinfo.info_slave_data.hairpin, learning: .linkinfo.info_slave_data.learning}),
        sysctl: {ip_forward: $fwd4, ipv6_forwarding: $fwd6}}'
}

# The reservation files, byte for byte (CR shown as \r).
ipam_state() {
    local dir=$1 f
    (cd "$dir" && find . -type f ! -name lock | sort | while read -r f; do
        printf '%s: %s\n' "$f" "$(sed 's/\r/\\r/g' "$f" | tr '\n' '|')"
    done)
}

# Host-side MACs and the veth name are random; the container MAC is fixed by
# MAC= in CNI_ARGS, so it stays. The sandbox path differs only by our label.
# Keys are sorted: JSON object order carries no meaning.
normalise_result() {
    jq -S --arg veth "$1" '
        .interfaces |= map(
            if (.sandbox // "") != "" then .sandbox = "<container-netns>" else .mac = "<mac>" end
            | if .name == $veth then .name = "<host-veth>" else . end)'
}

# run_side LABEL BIN TYPE -> $WORK/LABEL.{result,container,host,ipam}
run_side() {
    local label=$1 bin=$2 type=$3 host conf i ns veth
    host=$(ns_create "$label-host")
    NS_HOST=$host CNI_HOST_NETNS=$host CNI_PLUGIN=$bin CNI_PATH_DIRS="$(dirname "$bin"):/usr/lib/cni"
    conf=$(netconf "$type" "$WORK/$label-ipam")
    for i in 1 2; do
        ns=$(ns_create "$label-c$i")
        cni_exec ADD "cncmp-container-$i" eth0 "$ns" "$conf" "IgnoreUnknown=1;MAC=02:00:00:77:00:0$i"
        if [[ $CNI_RC -ne 0 ]]; then
            echo "ADD $i failed: ${CNI_OUT:-$CNI_ERR}" >"$WORK/$label.result"
            return 0
        fi
        [[ $i -eq 1 ]] && printf '%s' "$CNI_OUT" >"$WORK/$label.raw"
    done
    ns="${host%-host}-c1"
    veth=$(obs_host_peer "$ns" eth0)
    normalise_result "$veth" <"$WORK/$label.raw" >"$WORK/$label.result"
    container_state "$ns" >"$WORK/$label.container"
    host_state "$host" "$veth" >"$WORK/$label.host"
    ipam_state "$WORK/$label-ipam" >"$WORK/$label.ipam"
}

run_side ref "$REFERENCE" bridge
run_side test "$PLUGIN" "$TYPE"
[[ -z "${COMPARE_SHOW:-}" ]] || head -n 200 "$WORK"/ref.{result,container,host,ipam}

PASSED=0 FAILED=0
for aspect in result container host ipam; do
    if diff -u --label "reference $aspect" --label "$TYPE $aspect" \
        "$WORK/ref.$aspect" "$WORK/test.$aspect" >"$WORK/diff" 2>&1; then
        echo "SAME $aspect"
        PASSED=$((PASSED + 1))
    else
        echo "DIFF $aspect"
        sed 's/^/    /' "$WORK/diff"
        FAILED=$((FAILED + 1))
    fi
done
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
