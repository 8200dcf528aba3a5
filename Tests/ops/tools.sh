#!/usr/bin/env bash
# Privileged test of the operator tool (`nsbridge ls|doctor|reclaim|repair`) on real state, with
# orphans made on purpose, all inside throwaway network namespaces: a "host" namespace stands in
# for the node (the tool runs there through `ip netns exec`, so it reads that namespace's links,
# sysctls and nftables), and "container" namespaces are attached with real ADDs.
#
#   sudo Tests/ops/tools.sh --plugin /path/to/nsbridge
# Exit status 0 when every case passed. Nothing is left behind, also on failure.
set -euo pipefail

PLUGIN=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --plugin) PLUGIN=$(realpath "$2"); shift 2 ;;
        *) echo "usage: $0 --plugin BIN" >&2; exit 2 ;;
    esac
done
[[ -x "$PLUGIN" ]] || { echo "no plugin binary given (--plugin BIN)" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "tools.sh: skipped, needs root"; exit 0; }

TAG="ops$$"
HOST="$TAG-host"
STATE=$(mktemp -d /tmp/nsbridge-ops.XXXXXX)
NET=10.231.$(( $$ % 200 + 20 ))
passed=0 failed=0

cleanup() {
    set +e
    for ns in a b c d; do ip netns del "$TAG-$ns" 2>/dev/null; done
    ip netns del "$HOST" 2>/dev/null
    rm -rf "$STATE"
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

cat >"$STATE/10-ops.conflist" <<JSON
{"cniVersion": "1.0.0", "name": "ops-net", "plugins": [
  {"type": "nsbridge", "bridge": "ops0", "isGateway": true, "ipMasq": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$NET.0/24"}]], "dataDir": "$STATE/ipam"}}]}
JSON
CONFIG=$(jq -c '.plugins[0] + {name, cniVersion}' "$STATE/10-ops.conflist")

cni() {  # cni VERB CONTAINER
    CNI_COMMAND=$1 CNI_CONTAINERID="$TAG-$2" CNI_NETNS="/run/netns/$TAG-$2" CNI_IFNAME=eth0 CNI_PATH=/nonexistent \
        ip netns exec "$HOST" "$PLUGIN" <<<"$CONFIG"
}
tool() { ip netns exec "$HOST" "$PLUGIN" "$@"; }
reserved() { [[ -e "$STATE/ipam/ops-net/$1" ]]; }

for ns in "$HOST" "$TAG-a" "$TAG-b"; do ip netns add "$ns"; ip netns exec "$ns" ip link set lo up; done
IP_A=$(cni ADD a | jq -r '.ips[0].address | sub("/.*"; "")')
IP_B=$(cni ADD b | jq -r '.ips[0].address | sub("/.*"; "")')

# A healthy network first.
if out=$(tool ls --conf "$STATE/10-ops.conflist" --json) && jq -e 'length == 2 and all(.problems == [])' <<<"$out" >/dev/null
then pass "ls: two healthy attachments, exit 0"; else fail "ls on a healthy network: $out"; fi
if out=$(tool doctor --conf "$STATE/10-ops.conflist"); then pass "doctor: exit 0 on a healthy network"
else fail "doctor on a healthy network exited 1: $out"; fi

# Crash pod b: its namespace (and with it both veth ends) vanishes, and no DEL comes.
ip netns del "$TAG-b"
# The kernel destroys a deleted namespace's links asynchronously; wait for the host end to go.
for _ in $(seq 50); do
    [[ $(ip netns exec "$HOST" ip -o link show master ops0 2>/dev/null | wc -l) == 1 ]] && break
    sleep 0.1
done
out=$(tool ls --conf "$STATE/10-ops.conflist" --json) && rc=0 || rc=$?
if [[ $rc == 1 ]] && jq -e --arg b "$TAG-b" --arg a "$TAG-a" '
      (.[] | select(.containerID == $b) | .problems | any(test("no host veth"))) and
      (.[] | select(.containerID == $a) | .problems == [])' <<<"$out" >/dev/null
then pass "ls: flags the crashed pod (netns and veth gone, no DEL), exit 1"; else fail "ls after the crash (rc $rc): $out"; fi

out=$(tool reclaim --conf "$STATE/10-ops.conflist" --grace 3600)
if reserved "$IP_B" && grep -q "grace period" <<<"$out"; then pass "reclaim: a reservation within the grace period is kept"
else fail "reclaim with a grace period: $out"; fi
out=$(tool reclaim --conf "$STATE/10-ops.conflist" --grace 0)
if reserved "$IP_B" && reserved "$IP_A" && grep -q "would free .*$TAG-b/eth0" <<<"$out" && ! grep -q "$TAG-a" <<<"$out"
then pass "reclaim: dry run lists only the dead pod and frees nothing"; else fail "reclaim dry run: $out"; fi
out=$(tool reclaim --conf "$STATE/10-ops.conflist" --grace 0 --apply --json)
elements=$(ip netns exec "$HOST" nft list table inet nsbridge)
if ! reserved "$IP_B" && reserved "$IP_A" && jq -e 'length == 1 and .[0].action == "free" and .[0].error == null' <<<"$out" >/dev/null \
    && grep -q "$IP_A " <<<"$elements" && ! grep -q "$IP_B " <<<"$elements"
then pass "reclaim --apply: frees only the dead pod's reservation and masquerade element"; else fail "reclaim --apply: $out $elements"; fi

# Someone flushes the ruleset: ls sees it, repair restores it in one go.
ip netns exec "$HOST" nft flush ruleset
out=$(tool ls --conf "$STATE/10-ops.conflist" --json) && rc=0 || rc=$?
if [[ $rc == 1 ]] && jq -e '.[0].problems | any(test("firewall: missing"))' <<<"$out" >/dev/null
then pass "ls: reports the masquerade state missing after nft flush ruleset"; else fail "ls after flush (rc $rc): $out"; fi
out=$(tool repair --conf "$STATE/10-ops.conflist" --json)
ruleset=$(ip netns exec "$HOST" nft list table inet nsbridge)   # not piped: grep -q would SIGPIPE nft
if jq -e '.[0].restored | length > 0' <<<"$out" >/dev/null && grep -q "$IP_A " <<<"$ruleset" \
    && tool ls --conf "$STATE/10-ops.conflist" >/dev/null
then pass "repair: restores the masquerade element and chains after nft flush ruleset"
else fail "repair: $out $ruleset"; fi
out=$(tool repair --conf "$STATE/10-ops.conflist" --json)
if jq -e '.[0].restored == []' <<<"$out" >/dev/null; then pass "repair: a second run finds nothing missing"; else fail "second repair: $out"; fi

# doctor names the cause of each breakage, and exit status 1.
doctor_fails_with() {  # CHECK-NAME DESCRIPTION
    local out rc
    out=$(tool doctor --conf "$STATE/10-ops.conflist" --json) && rc=0 || rc=$?
    if [[ $rc == 1 ]] && jq -e --arg c "$1" 'any(.severity == "error" and .check == $c)' <<<"$out" >/dev/null
    then pass "doctor: exit 1 naming $1 for $2"; else fail "doctor for $2 (rc $rc): $out"; fi
}
# A Docker-style DROP policy created after the last ADD: nsbridge's jump to NSBRIDGE-FORWARD is
# not in the new chain, and the network has a live attachment, so its traffic really is dropped.
ip netns exec "$HOST" iptables -P FORWARD DROP
doctor_fails_with forward-policy "a Docker-style iptables -P FORWARD DROP with nsbridge's acceptance missing"
out=$(tool ls --conf "$STATE/10-ops.conflist" --json) && rc=0 || rc=$?
if [[ $rc == 1 ]] && jq -e '.[0].problems | any(test("forwarding acceptance: missing jump to NSBRIDGE-FORWARD"))' <<<"$out" >/dev/null
then pass "ls: reports the missing forwarding acceptance"; else fail "ls without forwarding acceptance (rc $rc): $out"; fi
out=$(tool repair --conf "$STATE/10-ops.conflist" --json)
rules=$(ip netns exec "$HOST" iptables -S FORWARD)
if jq -e '.[0].restored | any(test("forwarding"))' <<<"$out" >/dev/null && grep -q -- "-j NSBRIDGE-FORWARD" <<<"$rules"
then pass "repair: inserts the jump to NSBRIDGE-FORWARD and the network's rules"; else fail "repair of forwarding: $out $rules"; fi
out=$(tool doctor --conf "$STATE/10-ops.conflist" --json) && rc=0 || rc=$?
if [[ $rc == 0 ]] && jq -e 'any(.check == "forward-policy" and .severity == "ok")' <<<"$out" >/dev/null
then pass "doctor: exit 0 with FORWARD DROP once nsbridge's jump accepts the bridge"; else fail "doctor with DROP and jump (rc $rc): $out"; fi
# A native nftables forward chain with policy drop: nothing of nsbridge's can override it.
ip netns exec "$HOST" nft add table inet opsdrop
ip netns exec "$HOST" nft add chain inet opsdrop hostdrop '{ type filter hook forward priority 0; policy drop; }'
doctor_fails_with forward-policy "a native nftables forward chain with policy drop"
ip netns exec "$HOST" nft delete table inet opsdrop
ip netns exec "$HOST" iptables -P FORWARD ACCEPT
# The same policy set with iptables-legacy (x_tables): invisible to nftables, and nothing of
# nsbridge's is there, so doctor reads it with getsockopt and fails.
if command -v iptables-legacy >/dev/null; then
    ip netns exec "$HOST" iptables-legacy -P FORWARD DROP
    doctor_fails_with forward-policy "a legacy iptables -P FORWARD DROP"
    ip netns exec "$HOST" iptables-legacy -P FORWARD ACCEPT
else
    fail "iptables-legacy is missing (the iptables package ships it)"
fi
# A bridge with multicast snooping on (made by an older nsbridge, or by hand) is noted, not failed.
snooping_note() { jq -e 'any(.check == "multicast-snooping" and .severity == "info")' >/dev/null; }
if ! tool doctor --conf "$STATE/10-ops.conflist" --json | snooping_note; then
    ip netns exec "$HOST" ip link set ops0 type bridge mcast_snooping 1
    if out=$(tool doctor --conf "$STATE/10-ops.conflist" --json) && snooping_note <<<"$out"
    then pass "doctor: notes a bridge with multicast snooping on, exit 0"; else fail "doctor with snooping on: $out"; fi
    ip netns exec "$HOST" ip link set ops0 type bridge mcast_snooping 0
else
    fail "doctor notes multicast snooping on a bridge nsbridge made with it off"
fi
ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=0
doctor_fails_with ip_forward "a disabled ip_forward"
ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$HOST" ip addr add "$NET.250/24" dev ops0
doctor_fails_with bridge "a conflicting bridge address"
ip netns exec "$HOST" ip addr del "$NET.250/24" dev ops0
if tool doctor --conf "$STATE/10-ops.conflist" >/dev/null; then pass "doctor: exit 0 again once fixed"; else fail "doctor after the fixes"; fi

# --conf-dir finds the network; usage errors exit 2; every command has --help.
if tool ls --conf-dir "$STATE" --json | jq -e 'length == 1' >/dev/null; then pass "ls --conf-dir"; else fail "ls --conf-dir"; fi
rc=0; tool ls --bogus >/dev/null 2>&1 || rc=$?
if [[ $rc == 2 ]]; then pass "an unknown option exits 2"; else fail "unknown option exit $rc"; fi
for command in ls doctor reclaim repair; do
    help=$(tool "$command" --help)
    if grep -q "usage: nsbridge $command" <<<"$help"; then pass "$command --help"; else fail "$command --help"; fi
done

# Orphans made on purpose: pod c's reservation vanishes (a lost IPAM directory) while its
# namespace goes without DEL, leaving its nftables elements; and an ifb whose veth is gone.
ip netns add "$TAG-c"
IP_C=$(cni ADD c | jq -r '.ips[0].address | sub("/.*"; "")')
rm -f "$STATE/ipam/ops-net/$IP_C"
ip netns del "$TAG-c"
ip netns exec "$HOST" ip link add ifb0123456789a type ifb
out=$(tool ls --conf "$STATE/10-ops.conflist" --json) && rc=0 || rc=$?
if [[ $rc == 1 ]] && jq -e --arg c "$TAG-c" --arg ip "$IP_C" '
      (.[] | select(.containerID == $c) | (.addresses | index($ip)) != null and
          (.problems | any(test("^masquerade: element .* is orphaned")) and any(test("^forwarding acceptance: element .* is orphaned")))) and
      any(.[]; .network == "-" and (.problems | any(test("ifb ifb0123456789a is orphaned"))))' <<<"$out" >/dev/null
then pass "ls: flags orphaned masquerade and forwarding elements and an orphaned ifb"; else fail "ls with orphans (rc $rc): $out"; fi
ip netns exec "$HOST" ip link del ifb0123456789a

# A second network with port mappings, ipspoofchk and isolate. The runtime's record of the ADD
# (libcni's result cache) is the only place the mappings live outside nftables; after a flush,
# ls sees each piece missing and repair restores all of them from that record.
cat >"$STATE/20-pm.conflist" <<JSON
{"cniVersion": "1.0.0", "name": "ops-pm", "plugins": [
  {"type": "nsbridge", "bridge": "ops1", "isGateway": true, "ipMasq": true, "ipspoofchk": true, "isolate": true,
   "capabilities": {"portMappings": true, "bandwidth": true},
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.232.$(( $$ % 200 + 20 )).0/24"}]], "dataDir": "$STATE/ipam"}}]}
JSON
PM_RUNTIME='{"portMappings": [{"hostPort": 18080, "containerPort": 80, "protocol": "tcp"}],
  "bandwidth": {"ingressRate": 8000000, "ingressBurst": 80000, "egressRate": 8000000, "egressBurst": 80000}}'
PM_CONFIG=$(jq -c '.plugins[0] + {name, cniVersion, runtimeConfig: $rc}' --argjson rc "$PM_RUNTIME" "$STATE/20-pm.conflist")
ip netns add "$TAG-d"
result=$(CNI_COMMAND=ADD CNI_CONTAINERID="$TAG-d" CNI_NETNS="/run/netns/$TAG-d" CNI_IFNAME=eth0 CNI_PATH=/nonexistent \
    ip netns exec "$HOST" "$PLUGIN" <<<"$PM_CONFIG")
mkdir -p "$STATE/cache/results"
jq -c --arg id "$TAG-d" --argjson rc "$PM_RUNTIME" '{kind: "cniCacheV1", containerId: $id, ifName: "eth0", networkName: "ops-pm",
    capabilityArgs: $rc, result: .}' <<<"$result" \
    >"$STATE/cache/results/ops-pm-$TAG-d-eth0"
pm() { tool "$1" --conf "$STATE/20-pm.conflist" --cache-dir "$STATE/cache" --json; }
if out=$(pm ls) && jq -e 'length == 1 and .[0].problems == []' <<<"$out" >/dev/null
then pass "ls: a healthy attachment with port mappings, shaping, ipspoofchk and isolate"; else fail "ls ops-pm healthy: $out"; fi
# A stale port-mapping element: owned by d, but sending traffic to an address d does not hold.
comment=$(ip netns exec "$HOST" nft -j list map inet nsbridge nsb-portmap-any4 | jq -r '.nftables[1].map.elem[0][0].elem.comment')
ip netns exec "$HOST" nft add element inet nsbridge nsb-portmap-any4 "{ tcp . 18081 comment \"$comment\" : 10.232.1.99 . 80 }"
out=$(pm ls) && rc=0 || rc=$?
if [[ $rc == 1 ]] && jq -e '.[0].problems == ["port mapping: stale element tcp . 18081 : 10.232.1.99 . 80 in inet nsbridge nsb-portmap-any4 sends traffic to 10.232.1.99, which this attachment does not hold"]' <<<"$out" >/dev/null
then pass "ls: flags a stale port-mapping element"; else fail "ls with a stale port mapping (rc $rc): $out"; fi
ip netns exec "$HOST" nft flush ruleset
out=$(pm ls) && rc=0 || rc=$?
if [[ $rc == 1 ]] && jq -e '.[0].problems | any(test("^port mappings: missing")) and any(test("ipspoofchk")) and any(test("isolat|dst4"))' <<<"$out" >/dev/null
then pass "ls: reports port mappings, ipspoofchk and isolate missing after nft flush ruleset"; else fail "ls ops-pm after flush (rc $rc): $out"; fi
out=$(pm repair)
ruleset=$(ip netns exec "$HOST" nft list ruleset)
if jq -e '.[0].restored | any(test("^port mappings tcp 18080 -> 80")) and any(test("^ipspoofchk")) and any(test("^isolate"))' <<<"$out" >/dev/null \
    && grep -q "18080" <<<"$ruleset" && pm ls >/dev/null
then pass "repair: restores port mappings (from the runtime's record), ipspoofchk and isolate"; else fail "repair ops-pm: $out"; fi
# Without the runtime's record, repair says what it cannot know.
ip netns exec "$HOST" nft flush ruleset
out=$(tool repair --conf "$STATE/20-pm.conflist" --cache-dir "$STATE/none" --json)
if jq -e '.[0].notRestored | any(test("port mappings .* no record")) and any(test("ipspoofchk .* MAC is unknown"))' <<<"$out" >/dev/null
then pass "repair: names what it cannot restore without the runtime's record"; else fail "repair without record: $out"; fi
# Shaping is compared with the runtime's record too; a crashed pod leaves its ifb behind.
pm repair >/dev/null
VETH_D=$(pm ls | jq -r '.[0].hostVeth')
ip netns exec "$HOST" tc qdisc del dev "$VETH_D" root
out=$(pm ls) && rc=0 || rc=$?
if [[ $rc == 1 ]] && jq -e --arg v "$VETH_D" '.[0].problems | any(test("ingress shaping: " + $v + " has a .* root qdisc, not tbf"))' <<<"$out" >/dev/null
then pass "ls: reports the ingress shaping missing from the host veth"; else fail "ls without tbf (rc $rc): $out"; fi
IFB_D="ifb${VETH_D#veth}"
ip netns del "$TAG-d"
for _ in $(seq 50); do ip netns exec "$HOST" ip link show "$VETH_D" >/dev/null 2>&1 || break; sleep 0.1; done
out=$(pm ls) && rc=0 || rc=$?
if [[ $rc == 1 ]] && jq -e --arg i "$IFB_D" '.[0].problems | any(test("no host veth")) and any(test("shaping: ifb " + $i + " is left behind"))
      and any(test("^port mapping: element tcp . 18080 : .* is left behind")) and any(test("^ipspoofchk: element")) and any(test("^isolate: element"))' <<<"$out" >/dev/null
then pass "ls: a crashed pod's ifb, port-mapping, ipspoofchk and isolate elements are reported left behind"; else fail "ls after crashing a shaped pod (rc $rc): $out"; fi
CNI_COMMAND=DEL CNI_CONTAINERID="$TAG-d" CNI_NETNS="/run/netns/$TAG-d" CNI_IFNAME=eth0 CNI_PATH=/nonexistent \
    ip netns exec "$HOST" "$PLUGIN" <<<"$PM_CONFIG" >/dev/null
if ! ip netns exec "$HOST" ip link show "$IFB_D" >/dev/null 2>&1; then pass "DEL of the crashed pod removes its ifb"
else fail "ifb $IFB_D survived DEL"; fi

cni DEL a >/dev/null
echo "tools.sh: $passed passed, $failed failed"
[[ $failed == 0 ]]
