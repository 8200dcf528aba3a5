#!/usr/bin/env bash
# The Kubernetes model on one machine: several "node" network namespaces, each with its own
# nsbridge network on its own pod CIDR (conflist from examples/kubernetes/render-conflist.sh),
# joined by an underlay bridge, with host-gw routes between the pod CIDRs and an "outside" host
# on the underlay that knows no pod routes.
#
# Checks, by independent observation (nft counters in the receiving namespace):
#   - a pod reaches a pod on another node, and arrives with its own pod address (no masquerade
#     inside the cluster CIDR);
#   - a pod reaches the outside host, arriving as its node's underlay address (masquerade), and
#     the reply comes back although the outside host has no route to any pod CIDR;
#   - after DEL nothing of the pods is left: no veth, no reservation, no nft element.
#
#   sudo Tests/runtimes/multinode.sh [--nsbridge BIN]
set -euo pipefail
cd "$(dirname "$0")/../.."

NSBRIDGE=$(pwd)/.build/release/nsbridge
[[ "${1:-}" == "--nsbridge" ]] && NSBRIDGE=$(realpath "$2")
[[ $EUID -eq 0 ]] || { echo "multinode: needs root"; exit 1; }
[[ -x "$NSBRIDGE" ]] || { echo "multinode: no plugin at $NSBRIDGE (run make release)"; exit 1; }

TAG="nsbmn$$"
STATE=$(mktemp -d "/tmp/$TAG.XXXXXX")
CLUSTER_CIDR=10.244.0.0/16
NODES=(1 2)
PASSED=0 FAILED=0

cleanup() {
    set +e
    for ns in $(ip netns list | awk '{print $1}' | grep "^$TAG-"); do ip netns del "$ns"; done
    rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: $2"; }
in_ns() { local ns=$1; shift; ip netns exec "$TAG-$ns" "$@"; }

# cni VERB NODE POD: runs nsbridge in the node's namespace as its container runtime would.
cni() {
    local verb=$1 node=$2 pod=$3
    "examples/kubernetes/render-conflist.sh" "10.244.$node.0/24" "$CLUSTER_CIDR" "$STATE/ipam" \
        | jq -c --arg name k8s-pod-network '.plugins[0] + {cniVersion: .cniVersion, name: $name}' \
        | ip netns exec "$TAG-node$node" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$verb" \
            CNI_CONTAINERID="$pod" CNI_IFNAME=eth0 CNI_NETNS="/run/netns/$TAG-$pod" CNI_PATH=/usr/lib/cni "$NSBRIDGE"
}

# count_packets NS SADDR: packets from SADDR seen entering NS (an nft counter the test owns).
watch_source() {
    in_ns "$1" nft add table ip observe
    in_ns "$1" nft add chain ip observe input '{ type filter hook input priority 0; }'
    in_ns "$1" nft add rule ip observe input ip saddr "$2" counter
}
count_packets() {
    in_ns "$1" nft -j list table ip observe \
        | jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add // 0'
}

build_underlay() {
    ip netns add "$TAG-underlay"
    in_ns underlay ip link add u0 type bridge
    in_ns underlay ip link set u0 up
    local host=100
    for name in node1 node2 outside; do
        ip netns add "$TAG-$name"
        in_ns "$name" ip link set lo up
        in_ns underlay ip link add "u-$name" type veth peer name eth0 netns "$TAG-$name"
        in_ns underlay ip link set "u-$name" master u0 up
        local address=10.250.0.$host
        [[ $name == node* ]] && address=10.250.0.1${name#node}
        in_ns "$name" ip addr add "$address/24" dev eth0
        in_ns "$name" ip link set eth0 up
    done
    # host-gw: every node routes the other nodes' pod CIDRs to them over the underlay.
    for node in "${NODES[@]}"; do
        for peer in "${NODES[@]}"; do
            [[ $node == "$peer" ]] || in_ns "node$node" ip route add "10.244.$peer.0/24" via "10.250.0.1$peer"
        done
    done
}

add_pods() {
    for node in "${NODES[@]}"; do
        ip netns add "$TAG-pod$node"
        local result
        result=$(cni ADD "$node" "pod$node") || { fail "add pod$node" "$result"; return 1; }
        local address
        address=$(jq -r '.ips[0].address' <<<"$result")
        [[ $address == "10.244.$node.2/24" ]] && pass "pod$node gets 10.244.$node.2 from node$node's pod CIDR" \
            || fail "pod$node address" "expected 10.244.$node.2/24, saw $address"
    done
}

check_pod_to_pod() {
    watch_source pod2 10.244.1.2
    if in_ns pod1 ping -c 2 -W 2 10.244.2.2 >/dev/null; then pass "pod on node1 reaches pod on node2"
    else fail "pod to pod across nodes" "no reply from 10.244.2.2"; fi
    local seen
    seen=$(count_packets pod2)
    [[ $seen -ge 2 ]] && pass "cross-node pod traffic keeps the pod address (not masqueraded)" \
        || fail "no masquerade inside the cluster" "pod2 saw $seen packets from 10.244.1.2"
}

check_pod_to_outside() {
    watch_source outside 10.250.0.11
    if in_ns pod1 ping -c 2 -W 2 10.250.0.100 >/dev/null; then pass "pod reaches the outside host"
    else fail "pod to outside" "no reply from 10.250.0.100"; fi
    local seen
    seen=$(count_packets outside)
    [[ $seen -ge 2 ]] && pass "traffic leaving the cluster is masqueraded to the node address" \
        || fail "masquerade to outside" "outside saw $seen packets from node1's 10.250.0.11"
}

check_teardown() {
    for node in "${NODES[@]}"; do
        cni DEL "$node" "pod$node" >/dev/null || fail "del pod$node" "DEL failed"
    done
    local left=""
    for node in "${NODES[@]}"; do
        left+=$(in_ns "node$node" ip -o link show type veth | grep -v ' eth0@' || true)
        left+=$(in_ns "node$node" nft list ruleset | grep -o '10\.244\.[0-9.]*' || true)
    done
    left+=$(find "$STATE/ipam" -type f -name '10.244.*' 2>/dev/null || true)
    [[ -z $left ]] && pass "DEL leaves no veth, reservation or nft element" || fail "teardown" "left: $left"
}

build_underlay
add_pods && { check_pod_to_pod; check_pod_to_outside; }
check_teardown
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
