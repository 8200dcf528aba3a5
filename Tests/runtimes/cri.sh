#!/usr/bin/env bash
# containerd's CRI plugin, the path kubelet takes: RunPodSandbox / PodSandboxStatus /
# StopPodSandbox / RemovePodSandbox over gRPC (Tests/runtimes/cri/cri_client.py), with the CRI
# plugin running the conflist that examples/kubernetes/render-conflist.sh renders.
#
# Isolation as in containerd.sh: the script re-executes itself in a private mount and network
# namespace; tmpfs covers the paths containerd fixes (/run/containerd for shim sockets,
# /run/netns for cni-* namespaces, /var/lib/cni for libcni's results cache); containerd's
# config, root, state, socket, runc root, CNI bin and conf dirs live in a temporary directory.
# /etc/containerd is never read or written.
#
# Scenarios: two pods get distinct addresses that really are on eth0 in their namespaces; pod to
# pod, pod to gateway and node to pod traffic; a containerd restart keeps the addresses; stop and
# remove send DEL twice (the second with an empty CNI_NETNS and no prevResult) and leave nothing.
# Then hostPort (port_mappings) and the bandwidth annotations, which
# nsbridge serves itself. Finally RunPodSandbox latency against the reference plugins.
#
#   sudo Tests/runtimes/cri.sh [--nsbridge BIN] [--quick]     (--quick: no latency comparison)
#
# NSBRIDGE_CRI_BENCH_ROUNDS (2) and NSBRIDGE_CRI_BENCH_PODS (5 per round) size the comparison.
set -euo pipefail
cd "$(dirname "$0")/../.."
NSBRIDGE=$(pwd)/.build/release/nsbridge QUICK=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --nsbridge) NSBRIDGE=$(realpath "$2"); shift 2 ;;
        --quick) QUICK=1; shift ;;
        *) echo "usage: cri.sh [--nsbridge BIN] [--quick]" >&2; exit 2 ;;
    esac
done
command -v containerd >/dev/null && command -v ctr >/dev/null || { echo "cri: containerd not installed"; exit 1; }
/usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null \
    || { echo "cri: /usr/bin/python3 lacks grpc (apt-get install python3-grpcio python3-grpc-tools)"; exit 1; }

if [[ -z "${NSB_CRI_INNER:-}" ]]; then
    export NSB_CRI_INNER=1
    exec unshare --net --mount --propagation private "$0" --nsbridge "$NSBRIDGE" ${QUICK:+--quick}
fi

WORK=$(mktemp -d /tmp/nsbcri.XXXXXX)
SOCKET=$WORK/containerd.sock
PAUSE_IMAGE=localhost/nsb-pause:1
POD_CIDR=10.244.5.0/24 GATEWAY=10.244.5.1 NODE_IP=192.0.2.10
PASSED=0 FAILED=0 DAEMON=""
source Tests/runtimes/cri/lib.sh

setup_paths() {
    mkdir -p /run/containerd /run/netns /var/lib/cni
    for dir in /run/containerd /run/netns /var/lib/cni; do mount -t tmpfs tmpfs "$dir"; done
    ip link set lo up
    # The node's own address, off the bridge, as a real node has on its uplink.
    ip addr add "$NODE_IP/32" dev lo
    mkdir -p "$WORK"/{bin,bin-plain,net.d,net.d-ref,ipam}
    cp "$NSBRIDGE" "$WORK/bin-plain/nsbridge"
    cp /usr/lib/cni/{loopback,bridge,host-local,portmap,bandwidth} "$WORK/bin-plain/"
    cp /usr/lib/cni/loopback "$WORK/bin/"
    # Records what libcni sends (verb, container, netns, prevResult present, runtimeConfig),
    # then runs the real plugin.
    cat >"$WORK/bin/nsbridge" <<WRAP
#!/bin/sh
input=\$(cat)
printf '%s %s netns=%s prev=%s rc=%s\n' "\$CNI_COMMAND" "\$CNI_CONTAINERID" "\$CNI_NETNS" \
    "\$(printf '%s' "\$input" | jq -r 'has("prevResult")')" \
    "\$(printf '%s' "\$input" | jq -c '.runtimeConfig // {}')" >>"$WORK/cni.log"
printf '%s' "\$input" | exec "$WORK/bin-plain/nsbridge"
WRAP
    chmod +x "$WORK/bin/nsbridge"
    examples/kubernetes/render-conflist.sh "$POD_CIDR" 10.244.0.0/16 "$WORK/ipam" >"$WORK/net.d/10-nsbridge.conflist"
    reference_conflist >"$WORK/net.d-ref/10-reference.conflist"
}

# The same node network with the reference plugins, as clusters chain them today.
reference_conflist() {
    cat <<EOF
{"cniVersion": "1.0.0", "name": "k8s-pod-network", "plugins": [
  {"type": "bridge", "bridge": "refcri0", "isGateway": true, "isDefaultGateway": true, "hairpinMode": true,
   "ipMasq": true, "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.6.0/24"}]], "dataDir": "$WORK/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true},
  {"type": "bandwidth", "capabilities": {"bandwidth": true}}]}
EOF
}

# Pod name -> sandbox ID, for the cleanup of whatever a failed step left running.
declare -A SANDBOX
POD_PIDS=() LAST_DIRS=() BACKGROUND_PIDS=()

run_pod() {   # run_pod NAME [cri_client run options...]
    local name=$1 out; shift
    out=$(cri run "$name" "$@") || { echo "RunPodSandbox $name failed"; tail -20 "$WORK/containerd.log"; return 1; }
    SANDBOX[$name]=${out%% *}
    POD_PIDS+=("$(pod_field "$name" pid)")
}

pod_field() { cri status "${SANDBOX[$1]}" | jq -r ".$2"; }
in_pod() { local netns; netns=$(pod_field "$1" netns); shift; nsenter --net="$netns" "$@"; }

two_pods() {
    run_pod pod-a && run_pod pod-b || { fail "RunPodSandbox" "see above"; return 1; }
    IP_A=$(pod_field pod-a ip) IP_B=$(pod_field pod-b ip)
    [[ $IP_A == 10.244.5.* && $IP_B == 10.244.5.* && $IP_A != "$IP_B" ]] \
        && pass "PodSandboxStatus reports distinct pod addresses ($IP_A, $IP_B)" \
        || fail "pod addresses" "'$IP_A' '$IP_B'"
    in_pod pod-a ip -o -4 addr show dev eth0 | grep -q "inet $IP_A/24" \
        && in_pod pod-b ip -o -4 addr show dev eth0 | grep -q "inet $IP_B/24" \
        && pass "each address is on eth0 in its pod's network namespace" \
        || fail "eth0 addresses" "$(in_pod pod-a ip -o addr 2>&1)"
}

traffic() {
    in_pod pod-a ping -c 1 -W 2 "$IP_B" >/dev/null && pass "pod to pod" || fail "pod to pod" "$IP_A -> $IP_B"
    in_pod pod-b ping -c 1 -W 2 "$GATEWAY" >/dev/null && pass "pod to gateway" || fail "pod to gateway" "$IP_B -> $GATEWAY"
    ping -c 1 -W 2 "$IP_A" >/dev/null && pass "node to pod" || fail "node to pod" "-> $IP_A"
}

restart_keeps_addresses() {
    restart_containerd || { fail "containerd restart" "did not come back"; return 1; }
    [[ $(pod_field pod-a ip) == "$IP_A" && $(pod_field pod-b ip) == "$IP_B" && $(pod_field pod-a state) == SANDBOX_READY ]] \
        && pass "after a containerd restart the pods keep their addresses" \
        || fail "restart" "$(cri status "${SANDBOX[pod-a]}")"
    in_pod pod-a ping -c 1 -W 2 "$IP_B" >/dev/null && pass "pod to pod after the restart" \
        || fail "pod to pod after the restart" "$IP_A -> $IP_B"
}

# CRI's StopPodSandbox sends DEL with the namespace and the cached prevResult; RemovePodSandbox
# stops again, by then without a namespace or cached result, and libcni sends a second DEL.
stop_and_remove() {
    local id=${SANDBOX[pod-a]}
    cri stop "$id" && cri remove "$id" && unset "SANDBOX[pod-a]" || { fail "stop/remove" "pod-a"; return 1; }
    local dels; dels=$(grep "^DEL $id " "$WORK/cni.log" || true)
    [[ $(wc -l <<<"$dels") -eq 2 ]] && grep -q 'netns=/.* prev=true' <<<"$(head -1 <<<"$dels")" \
        && grep -q 'netns= prev=false' <<<"$(tail -1 <<<"$dels")" \
        && pass "stop then remove: DEL with the netns and prevResult, then DEL with neither" \
        || fail "the DELs CRI sent" "$dels"
    in_pod pod-b ping -c 1 -W 1 "$IP_A" >/dev/null 2>&1 && fail "removed pod" "$IP_A still answers" \
        || pass "the removed pod's address is gone"
    [[ ! -e "$WORK/ipam/k8s-pod-network/$IP_A" ]] && pass "its reservation is freed" \
        || fail "reservation" "$IP_A still reserved"
}

remove_all_pods() {
    local name
    for name in "${!SANDBOX[@]}"; do
        cri stop "${SANDBOX[$name]}" >/dev/null 2>&1; cri remove "${SANDBOX[$name]}" >/dev/null 2>&1
        unset "SANDBOX[$name]"
    done
    return 0
}

nothing_left() {
    local left=""
    left+=$(ip -o link show type veth 2>/dev/null || true)
    left+=$(ip -o link show type ifb 2>/dev/null || true)
    left+=$(ls "$WORK/ipam/k8s-pod-network" 2>/dev/null | grep '^10\.' || true)
    left+=$(nft list ruleset 2>/dev/null | grep -oE '10\.244\.5\.[0-9]+' | grep -vE '\.0$|\.1$' || true)
    left+=$(ls /run/netns /var/lib/cni/results 2>/dev/null | grep -v ':$' || true)
    [[ -z $left ]] && pass "after stop and remove nothing is left (veth, ifb, reservation, nft element, netns, result cache)" \
        || fail "left behind" "$left"
}

setup_paths
trap cleanup EXIT INT TERM
start_containerd "$WORK/bin" "$WORK/net.d" || { echo "SKIP cri: containerd's CRI plugin could not start"; exit 0; }
import_pause_image
if two_pods; then
    traffic
    source Tests/runtimes/cri/chain.sh
    host_port
    bandwidth_annotations
    restart_keeps_addresses
    stop_and_remove
fi
remove_all_pods
nothing_left
[[ -z $QUICK ]] && compare_latency
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
