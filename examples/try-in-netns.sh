#!/usr/bin/env bash
# Try nsbridge by hand, the way a container runtime uses it: run as root.
#
#   sudo examples/try-in-netns.sh
#   sudo NSBRIDGE=/path/to/nsbridge examples/try-in-netns.sh
#   sudo PLUGIN_TYPE=bridge NSBRIDGE=/usr/lib/cni/bridge examples/try-in-netns.sh   # the reference
#
# It builds and installs nothing. It creates a throwaway "host" network
# namespace (so your real host's links, routes and firewall are not touched),
# two "container" namespaces, ADDs both to one bridge network, pings between
# them, shows the ADD result, runs CHECK and DEL, and removes everything it
# made, also when something fails or you press Ctrl-C.
set -euo pipefail

NSBRIDGE=${NSBRIDGE:-/opt/cni/bin/nsbridge}   # the plugin binary
PLUGIN_TYPE=${PLUGIN_TYPE:-nsbridge}          # the netconf "type"
CNI_VERSION=${CNI_VERSION:-1.0.0}
# Where IPAM plugins (host-local, when the plugin is the reference) are found.
CNI_PATH=${CNI_PATH:-$(dirname "$NSBRIDGE"):/usr/lib/cni:/opt/cni/bin}

[[ $EUID -eq 0 ]] || { echo "please run as root (it creates network namespaces)" >&2; exit 1; }
[[ -x "$NSBRIDGE" ]] || { echo "no plugin at $NSBRIDGE; set NSBRIDGE=/path/to/binary" >&2; exit 1; }
command -v jq >/dev/null || { echo "please install jq" >&2; exit 1; }

TAG="try$$"
HOST="$TAG-host"               # stands in for the machine's root netns
STATE=$(mktemp -d /tmp/nsbridge-try.XXXXXX)   # IPAM data dir, instead of /var/lib/cni

cleanup() {
    set +e
    ip netns del "$TAG-a" 2>/dev/null
    ip netns del "$TAG-b" 2>/dev/null
    ip netns del "$HOST" 2>/dev/null   # takes the bridge and any NAT rules with it
    rm -rf "$STATE"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# The network configuration, as a runtime sends it on stdin: one plugin object
# plus "name" and "cniVersion" from the conflist. This is seed topology 2:
# a bridge with the gateway address, a default route, and masquerading.
CONFIG=$(jq -n --arg type "$PLUGIN_TYPE" --arg v "$CNI_VERSION" --arg dir "$STATE" '{
    cniVersion: $v,
    name: "try-nsbridge",
    type: $type,
    bridge: "try0",
    isGateway: true,
    isDefaultGateway: true,
    ipMasq: true,
    ipam: {type: "host-local", ranges: [[{subnet: "10.123.0.0/24"}]], dataDir: $dir}
}')

# cni VERB CONTAINER [STDIN]: one plugin call. Every input is an environment
# variable; the config arrives on stdin; the result (or an error object) comes
# back on stdout. The plugin runs inside the throwaway host netns.
cni() {
    local verb=$1 container=$2 stdin=${3:-$CONFIG}
    CNI_COMMAND=$verb \
    CNI_CONTAINERID="$TAG-$container" \
    CNI_NETNS="/run/netns/$TAG-$container" \
    CNI_IFNAME=eth0 \
    CNI_PATH=$CNI_PATH \
        ip netns exec "$HOST" "$NSBRIDGE" <<<"$stdin"
}

say "VERSION: which spec versions does $NSBRIDGE speak?"
CNI_COMMAND=VERSION "$NSBRIDGE" <<<"{\"cniVersion\":\"$CNI_VERSION\"}"

say "Creating namespaces: $HOST (host side), $TAG-a and $TAG-b (containers)"
for ns in "$HOST" "$TAG-a" "$TAG-b"; do
    ip netns add "$ns"
    ip netns exec "$ns" ip link set lo up
done

say "ADD container a"
RESULT_A=$(cni ADD a) || { echo "ADD failed: $RESULT_A" >&2; exit 1; }
jq . <<<"$RESULT_A"
say "ADD container b"
RESULT_B=$(cni ADD b) || { echo "ADD failed: $RESULT_B" >&2; exit 1; }
IP_A=$(jq -r '.ips[0].address | sub("/.*"; "")' <<<"$RESULT_A")
IP_B=$(jq -r '.ips[0].address | sub("/.*"; "")' <<<"$RESULT_B")
GW=$(jq -r '.ips[0].gateway // empty' <<<"$RESULT_A")
echo "a = $IP_A, b = $IP_B, gateway = ${GW:-none}"

say "What the plugin built"
echo "-- in container a:"
ip netns exec "$TAG-a" ip -br addr show dev eth0
ip netns exec "$TAG-a" ip route
echo "-- on the host side:"
ip netns exec "$HOST" ip -br link show master try0

say "ping a -> b"
PING=(ping); command -v ping >/dev/null || PING=(busybox ping)
ip netns exec "$TAG-a" "${PING[@]}" -c 2 -W 1 "$IP_B"
if [[ -n "$GW" ]]; then
    say "ping a -> gateway"
    ip netns exec "$TAG-a" "${PING[@]}" -c 1 -W 1 "$GW"
fi

# CHECK and DEL get the ADD result back as "prevResult", as runtimes do.
with_prev() { jq -c --argjson prev "$1" '.prevResult = $prev' <<<"$CONFIG"; }

say "CHECK container a (silence and exit 0 mean: all as ADD left it)"
cni CHECK a "$(with_prev "$RESULT_A")" && echo "CHECK ok"

say "DEL both containers"
cni DEL a "$(with_prev "$RESULT_A")" && echo "DEL a ok"
cni DEL b "$(with_prev "$RESULT_B")" && echo "DEL b ok"
echo "left on the bridge: $(ip netns exec "$HOST" ip -br link show master try0 | wc -l) ports;" \
    "IPs still reserved: $(find "$STATE" -type f ! -name lock ! -name 'last_reserved_ip*' | wc -l)"

say "Done; removing the namespaces"
