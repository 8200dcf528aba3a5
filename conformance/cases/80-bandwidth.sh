# shellcheck shell=bash
# The `bandwidth` capability (CNI conventions): a token bucket on the host veth
# for traffic towards the container, and an ifb with its own token bucket that
# the host veth's ingress redirects to, for traffic from it.
#
# Judged by `tc -j` and `ip -j` in the host netns only, so it runs against:
# - the reference: `bridge` followed by the `bandwidth` plugin, as a conflist
#   run the libcni way (chosen when --type is bridge);
# - any plugin that shapes by itself: the plugin alone, declaring the capability.
# CONFORMANCE_BANDWIDTH=chain|builtin overrides the choice.

BW_CAPS='{"bandwidth":{"ingressRate":8000000,"ingressBurst":80000,"egressRate":4000000,"egressBurst":40000}}'

# The conflist that shapes: the plugin under test, then the reference bandwidth
# plugin when it does not shape by itself.
_bw_list() {
    local plugin mode=${CONFORMANCE_BANDWIDTH:-auto}
    [[ $mode != auto ]] || { [[ $CNI_PLUGIN_TYPE == bridge ]] && mode=chain || mode=builtin; }
    plugin=$(fx_plugin "${1:-.}")
    if [[ $mode == chain ]]; then
        jq -c -n --arg v "$VER" --argjson p "$plugin" \
            '{name: "cnctnet", cniVersion: $v, plugins: [$p, {type: "bandwidth", capabilities: {bandwidth: true}}]}'
    else
        jq -c -n --arg v "$VER" --argjson p "$plugin" \
            '{name: "cnctnet", cniVersion: $v, plugins: [$p | .capabilities = {bandwidth: true}]}'
    fi
}

_bw_ifbs() { in_host ip -j link show type ifb 2>/dev/null | jq -r '.[].ifname'; }

# _bw_tbf DEVICE -> "rate burst" (bytes/s, bytes) of its root tbf, or nothing.
_bw_tbf() {
    in_host tc -j qdisc show dev "$1" root 2>/dev/null |
        jq -r '.[] | select(.kind == "tbf") | "\(.options.rate) \(.options.burst)"'
}

# _bw_expect_tbf WHAT DEVICE RATE BURST: tc prints the burst it derives from the
# kernel's buffer time, so it may be off by a few bytes.
_bw_expect_tbf() {
    local what=$1 dev=$2 rate=$3 burst=$4 seen
    seen=$(_bw_tbf "$dev")
    [[ -n "$seen" ]] || fail "expected a tbf at the root of $dev ($what), saw $(in_host tc -j qdisc show dev "$dev" root)"
    [[ ${seen% *} == "$rate" ]] || fail "expected $what rate $rate B/s on $dev, saw ${seen% *}"
    ((${seen#* } >= burst - 16 && ${seen#* } <= burst + 16)) || fail "expected $what burst $burst B on $dev, saw ${seen#* }"
}

# ADD shapes both ways: returns the host veth in HOST_VETH and the ifb in IFB.
_bw_add_shaped() {
    local list=$1 cid=$2 netns=$3 caps=$4 filters
    cni_list_add "$list" "$cid" eth0 "$netns" "" "$caps"
    expect_ok "ADD of the shaping conflist"
    HOST_VETH=$(obs_host_peer "$netns" eth0)
    [[ -n "$HOST_VETH" ]] || fail "expected a host veth for eth0 after ADD, saw none"
    IFB=$(_bw_ifbs | head -n1)
    [[ -n "$IFB" ]] || fail "expected an ifb for egress shaping after ADD, saw none"
    _bw_expect_tbf "ingress (towards the container)" "$HOST_VETH" 1000000 10000
    _bw_expect_tbf "egress (from the container)" "$IFB" 500000 5000
    filters=$(in_host tc filter show dev "$HOST_VETH" ingress)
    [[ $filters == *"Redirect to device $IFB"* ]] ||
        fail "expected $HOST_VETH's ingress to redirect to $IFB, saw: ${filters:-no filter}"
}

# ADD shapes, CHECK agrees, DEL leaves neither veth nor ifb.
case_bandwidth_lifecycle() {
    local netns cid list
    netns=$(fx_container c1) cid=$(fx_cid a) list=$(_bw_list)
    _bw_add_shaped "$list" "$cid" "$netns" "$BW_CAPS"
    cni_list_check "$list" "$cid" eth0 "$netns" "" "$BW_CAPS"
    expect_ok "CHECK of the shaped attachment"
    cni_list_del "$list" "$cid" eth0 "$netns" "" "$BW_CAPS"
    expect_silent DEL
    [[ -z "$(_bw_ifbs)" ]] || fail "expected no ifb after DEL, saw $(_bw_ifbs | tr '\n' ' ')"
    [[ -z "$(obs_link "$NS_HOST" "$HOST_VETH")" ]] || fail "expected $HOST_VETH gone after DEL"
}
def_case bandwidth-lifecycle case_bandwidth_lifecycle 0.4.0

# containerd's CRI sends the Go field names, and zeros for the direction a pod
# does not limit.
case_bandwidth_go_names() {
    local netns cid list caps
    netns=$(fx_container c1) cid=$(fx_cid a) list=$(_bw_list)
    caps='{"bandwidth":{"IngressRate":8000000,"IngressBurst":80000,"EgressRate":0,"EgressBurst":0}}'
    cni_list_add "$list" "$cid" eth0 "$netns" "" "$caps"
    expect_ok "ADD with IngressRate/IngressBurst"
    HOST_VETH=$(obs_host_peer "$netns" eth0)
    _bw_expect_tbf "ingress" "$HOST_VETH" 1000000 10000
    [[ -z "$(_bw_ifbs)" ]] || fail "expected no ifb when egress is 0, saw $(_bw_ifbs | tr '\n' ' ')"
    cni_list_del "$list" "$cid" eth0 "$netns" "" "$caps"
    expect_silent DEL
}
def_case bandwidth-go-names case_bandwidth_go_names 0.4.0

# containerd's second DEL: empty CNI_NETNS, no prevResult; the ifb must still go.
case_bandwidth_del_empty_netns() {
    local netns cid list
    netns=$(fx_container c1) cid=$(fx_cid a) list=$(_bw_list)
    _bw_add_shaped "$list" "$cid" "$netns" "$BW_CAPS"
    CNI_RESULT=""
    cni_list_del "$list" "$cid" eth0 "" "" "$BW_CAPS"
    expect_silent "DEL with an empty CNI_NETNS"
    [[ -z "$(_bw_ifbs)" ]] || fail "expected no ifb after DEL with an empty netns, saw $(_bw_ifbs | tr '\n' ' ')"
}
def_case bandwidth-del-empty-netns case_bandwidth_del_empty_netns 0.4.0

# CHECK compares the qdiscs with the configuration.
case_bandwidth_check_detects() {
    local netns cid list other
    netns=$(fx_container c1) cid=$(fx_cid a) list=$(_bw_list)
    _bw_add_shaped "$list" "$cid" "$netns" "$BW_CAPS"
    other=$(jq -c '.bandwidth.ingressRate = 16000000' <<<"$BW_CAPS")
    cni_list_check "$list" "$cid" eth0 "$netns" "" "$other"
    expect_error "CHECK with a different ingress rate than the kernel's"
    cni_list_del "$list" "$cid" eth0 "$netns" "" "$BW_CAPS"
    expect_silent DEL
}
def_case bandwidth-check-detects case_bandwidth_check_detects 0.4.0

# A rate without its burst is invalid configuration (code 7), and the failed ADD
# followed by the runtime's DEL leaves nothing.
case_bandwidth_invalid() {
    local netns cid list
    netns=$(fx_container c1) cid=$(fx_cid a) list=$(_bw_list)
    cni_list_add "$list" "$cid" eth0 "$netns" "" '{"bandwidth":{"ingressRate":8000000}}'
    expect_error "ADD with ingressRate but no ingressBurst" 7
    cni_list_del "$list" "$cid" eth0 "$netns" "" '{"bandwidth":{"ingressRate":8000000}}'
    [[ -z "$(_bw_ifbs)" ]] || fail "expected no ifb after the failed ADD and DEL"
}
def_case bandwidth-invalid case_bandwidth_invalid 0.4.0

# Declared but not asked for: nothing is shaped.
case_bandwidth_unshaped() {
    local netns cid list
    netns=$(fx_container c1) cid=$(fx_cid a) list=$(_bw_list)
    cni_list_add "$list" "$cid" eth0 "$netns" "" '{}'
    expect_ok "ADD without bandwidth arguments"
    HOST_VETH=$(obs_host_peer "$netns" eth0)
    [[ -z "$(_bw_tbf "$HOST_VETH")" && -z "$(_bw_ifbs)" ]] || fail "expected no tbf and no ifb without bandwidth arguments"
    cni_list_del "$list" "$cid" eth0 "$netns" "" '{}'
    expect_silent DEL
}
def_case bandwidth-unshaped case_bandwidth_unshaped 0.4.0
