#!/usr/bin/env bash
# nsbridge driven through libcni by a cnitool-compatible driver (Tests/runtimes/cnitool/), built
# here from Debian's golang-github-appc-cni-dev in GOPATH mode, offline, into a temporary dir.
#
# The script re-executes itself in a private mount and network namespace with tmpfs over
# /var/lib/cni (libcni's result cache) and /run/netns. Debian's libcni 1.1.2 decodes results up
# to 1.0.0 only, so add/check/del use the list at cniVersion 1.0.0; gc and status use the same
# network at 1.1.0 from a second NETCONFPATH, as after a runtime upgrade.
#
# Checks: add with CAP_ARGS (ips, mac) and with CNI_ARGS (IP=) and CNI_IFNAME; traffic between
# them; check passes and fails once an address is gone; del frees the veth, reservation and
# result cache; gc DELs the cached attachments, and at 1.1.0 the plugin's GC frees a dead
# reservation; status succeeds, and fails with code 50 on an exhausted pool.
#
#   sudo Tests/runtimes/cnitool.sh [--nsbridge BIN]
set -euo pipefail
cd "$(dirname "$0")/../.."
NSBRIDGE=$(pwd)/.build/release/nsbridge
[[ "${1:-}" == "--nsbridge" ]] && NSBRIDGE=$(realpath "$2")
command -v go >/dev/null || { echo "cnitool: golang-go is not installed"; exit 1; }
[[ -d /usr/share/gocode/src/github.com/containernetworking/cni/libcni ]] \
    || { echo "cnitool: golang-github-appc-cni-dev is not installed"; exit 1; }

if [[ -z "${NSB_CNITOOL_INNER:-}" ]]; then
    export NSB_CNITOOL_INNER=1
    exec unshare --net --mount --propagation private "$0" --nsbridge "$NSBRIDGE"
fi

WORK=$(mktemp -d /tmp/nsbcnitool.XXXXXX)
PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: $2"; }
trap 'rm -rf "$WORK"' EXIT INT TERM

Tests/runtimes/cnitool/build.sh "$WORK"
for dir in /var/lib/cni /run/netns; do mkdir -p "$dir"; mount -t tmpfs tmpfs "$dir"; done
ip link set lo up
mkdir -p "$WORK"/{bin,net.d,net.d-1.1,ipam}
cp "$NSBRIDGE" "$WORK/bin/nsbridge"
conflist() {   # conflist NAME VERSION SUBNET
    cat <<EOF
{"cniVersion": "$2", "name": "$1", "plugins": [
  {"type": "nsbridge", "bridge": "nsbtool0", "isGateway": true, "ipMasq": true,
   "capabilities": {"ips": true, "mac": true},
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$3"}]], "dataDir": "$WORK/ipam"}}]}
EOF
}
conflist toolnet 1.0.0 10.92.0.0/24 >"$WORK/net.d/10-toolnet.conflist"
conflist toolnet 1.1.0 10.92.0.0/24 >"$WORK/net.d-1.1/10-toolnet.conflist"
conflist fullnet 1.1.0 10.93.0.0/30 >"$WORK/net.d-1.1/20-fullnet.conflist"
export CNI_PATH=$WORK/bin NETCONFPATH=$WORK/net.d
cnitool() { "$WORK/cnitool" "$@"; }
ip netns add nsbtool-a && ip netns add nsbtool-b

result=$(CAP_ARGS='{"ips": ["10.92.0.50/24"], "mac": "0a:58:0a:5c:00:32"}' cnitool add toolnet /run/netns/nsbtool-a) \
    && jq -e '.ips[0].address == "10.92.0.50/24" and .interfaces[-1].mac == "0a:58:0a:5c:00:32"' <<<"$result" >/dev/null \
    && ip -n nsbtool-a -o -4 addr show dev eth0 | grep -q 'inet 10.92.0.50/24' \
    && pass "add with CAP_ARGS: runtimeConfig ips and mac reach nsbridge" || fail "add with CAP_ARGS" "$result"
result=$(CNI_ARGS='IgnoreUnknown=1;IP=10.92.0.60' CNI_IFNAME=net1 cnitool add toolnet /run/netns/nsbtool-b) \
    && ip -n nsbtool-b -o -4 addr show dev net1 | grep -q 'inet 10.92.0.60/24' \
    && pass "add with CNI_ARGS IP= and CNI_IFNAME=net1" || fail "add with CNI_ARGS" "$result"
ip netns exec nsbtool-a ping -c 1 -W 2 10.92.0.60 >/dev/null && pass "traffic between the two attachments" \
    || fail "traffic" "10.92.0.50 -> 10.92.0.60"

cnitool check toolnet /run/netns/nsbtool-a && CNI_IFNAME=net1 cnitool check toolnet /run/netns/nsbtool-b \
    && pass "check passes for both" || fail "check" "failed on healthy attachments"
ip -n nsbtool-a addr del 10.92.0.50/24 dev eth0
cnitool check toolnet /run/netns/nsbtool-a >/dev/null 2>&1 && fail "check" "passed with the address gone" \
    || pass "check fails once the container's address is gone"

cnitool del toolnet /run/netns/nsbtool-a && cnitool del toolnet /run/netns/nsbtool-a \
    && [[ ! -e $WORK/ipam/toolnet/10.92.0.50 && $(ls /var/lib/cni/results | grep -c '^toolnet-') -eq 1 ]] \
    && [[ $(ip -o link show type veth | wc -l) -eq 1 ]] \
    && pass "del (twice) frees the veth, the reservation and libcni's cached result" \
    || fail "del" "$(ls "$WORK/ipam/toolnet" /var/lib/cni/results; ip -o link show type veth)"

# gc at 1.0.0 only DELs the cached attachments (net1 of nsbtool-b); at 1.1.0 it also sends GC,
# which frees a reservation whose attachment is provably dead (no host veth).
printf 'ghost\r\neth0' >"$WORK/ipam/toolnet/10.92.0.99"
cnitool gc toolnet && [[ -z $(ls /var/lib/cni/results) && -z $(ip -o link show type veth) ]] \
    && [[ $(ls "$WORK/ipam/toolnet" | grep '^10\.') == 10.92.0.99 ]] \
    && pass "gc (1.0.0): DEL of every cached attachment, no plugin GC" \
    || fail "gc at 1.0.0" "$(ls "$WORK/ipam/toolnet" /var/lib/cni/results; ip -o link show type veth)"
NETCONFPATH=$WORK/net.d-1.1 cnitool gc toolnet && [[ -z $(ls "$WORK/ipam/toolnet" | grep '^10\.') ]] \
    && pass "gc (1.1.0): the plugin's GC frees the dead reservation" || fail "gc at 1.1.0" "$(ls "$WORK/ipam/toolnet")"

NETCONFPATH=$WORK/net.d-1.1 cnitool status toolnet && pass "status of a network with free addresses" \
    || fail "status" "failed on a healthy network"
mkdir -p "$WORK/ipam/fullnet" && printf 'ghost\r\neth0' >"$WORK/ipam/fullnet/10.93.0.2"
output=$(NETCONFPATH=$WORK/net.d-1.1 cnitool status fullnet 2>&1) && fail "status" "passed on an exhausted pool" \
    || { grep -q 'CNI error code 50' <<<"$output" && pass "status of an exhausted pool fails with code 50" \
        || fail "status code" "$output"; }

ip netns del nsbtool-a; ip netns del nsbtool-b
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
