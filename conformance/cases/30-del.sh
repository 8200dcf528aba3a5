# shellcheck shell=bash
# DEL: cleanup, idempotence, and the awkward ways runtimes call it
# (checklist 14-17, 26). All with ipMasq so firewall leaks show up.

# _add_masq CID NETNS -> RESULT, HOST_VETH, IP set; attachment verified.
_add_masq() {
    fx_add_ok "$1" eth0 "$2" "$(fx_masq_plugin)"
    HOST_VETH=$(fx_expect_attached "$2" eth0 "$1" "$RESULT")
    IP=$(res_ip "$RESULT")
}

# 14: DEL removes the veth, the reservation and every rule of the attachment.
case_del_cleans() {
    local netns cid
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    _add_masq "$cid" "$netns"
    fx_del "$cid" eth0 "$netns" "$(fx_masq_plugin)" "$RESULT"
    expect_silent DEL
    [[ -z "$(obs_link "$netns" eth0)" ]] || fail "expected eth0 gone from the container after DEL, saw it"
    fx_expect_detached "$cid" eth0 "$HOST_VETH" "$IP"
}
def_case del-cleans case_del_cleans

# 14: ... and only that attachment's: B keeps its reservation, rules, and
# masqueraded connectivity.
case_del_only_own() {
    local na nb ca cb ra ipa veth_a rb ipb b_mentioned=0
    fx_outside
    na=$(fx_container a) nb=$(fx_container b)
    ca=$(fx_cid a) cb=$(fx_cid b)
    _add_masq "$ca" "$na"; ra=$RESULT ipa=$IP veth_a=$HOST_VETH
    _add_masq "$cb" "$nb"; rb=$RESULT ipb=$IP
    obs_ruleset_mentions "$ipb" "$cb" >/dev/null && b_mentioned=1
    fx_del "$ca" eth0 "$na" "$(fx_masq_plugin)" "$ra"
    expect_silent "DEL of A"
    fx_expect_detached "$ca" eth0 "$veth_a" "$ipa"
    fx_expect_attached "$nb" eth0 "$cb" "$rb" >/dev/null
    if [[ $b_mentioned -eq 1 ]] && ! obs_ruleset_mentions "$ipb" "$cb" >/dev/null; then
        fail "expected B's rules ($ipb) kept after A's DEL, saw them removed"
    fi
    ping_ok "$nb" "$OUTSIDE_IP" || fail "expected B to reach the outside netns (masqueraded) after A's DEL, saw no reply"
}
def_case del-only-own case_del_only_own

# 15: DEL twice succeeds.
case_del_repeat() {
    local netns cid
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    _add_masq "$cid" "$netns"
    fx_del "$cid" eth0 "$netns" "$(fx_masq_plugin)" "$RESULT"
    expect_silent "first DEL"
    fx_del "$cid" eth0 "$netns" "$(fx_masq_plugin)" "$RESULT"
    expect_silent "second DEL"
    fx_expect_detached "$cid" eth0 "$HOST_VETH" "$IP"
}
def_case del-repeat case_del_repeat

# 16, containerd: the task is gone (netns deleted, veth with it), and DEL comes
# with CNI_NETNS empty but with prevResult.
case_del_empty_netns() {
    local netns cid
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    _add_masq "$cid" "$netns"
    ns_delete "$netns"
    fx_del "$cid" eth0 "" "$(fx_masq_plugin)" "$RESULT"
    expect_silent "DEL with empty CNI_NETNS"
    fx_expect_detached "$cid" eth0 "$HOST_VETH" "$IP"
}
def_case del-empty-netns case_del_empty_netns

# 16: the netns path no longer exists.
case_del_netns_gone() {
    local netns cid
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    _add_masq "$cid" "$netns"
    ns_delete "$netns"
    fx_del "$cid" eth0 "$netns" "$(fx_masq_plugin)" "$RESULT"
    expect_silent "DEL with a vanished netns path"
    fx_expect_detached "$cid" eth0 "$HOST_VETH" "$IP"
}
def_case del-netns-gone case_del_netns_gone

# 16: the container interface is already gone, the netns is still there.
case_del_iface_gone() {
    local netns cid
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    _add_masq "$cid" "$netns"
    in_ns "$netns" ip link del eth0
    fx_del "$cid" eth0 "$netns" "$(fx_masq_plugin)" "$RESULT"
    expect_silent "DEL with the container interface gone"
    fx_expect_detached "$cid" eth0 "$HOST_VETH" "$IP"
}
def_case del-iface-gone case_del_iface_gone

# A leftover path that is not a namespace (e.g. an unmounted bind-mount target):
# there is nothing to enter, so DEL must still release what it owns.
case_del_netns_not_ns() {
    local netns cid stale
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    _add_masq "$cid" "$netns"
    ns_delete "$netns"
    stale="$CASE_DIR/stale-netns"
    : >"$stale"
    fx_del "$cid" eth0 "$stale" "$(fx_masq_plugin)" "$RESULT"
    expect_silent "DEL with CNI_NETNS pointing at a regular file"
    fx_expect_detached "$cid" eth0 "$HOST_VETH" "$IP"
}
def_case del-netns-not-ns case_del_netns_not_ns

# 17: DEL without prevResult (runtime lost its cache) cleans up everything.
case_del_no_prevresult() {
    local netns cid
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    _add_masq "$cid" "$netns"
    cni_exec DEL "$cid" eth0 "$netns" "$(fx_conf "$(fx_masq_plugin)")"
    expect_silent "DEL without prevResult"
    fx_expect_detached "$cid" eth0 "$HOST_VETH" "$IP"
}
def_case del-no-prevresult case_del_no_prevresult

# 26: A is deleted, B gets A's old IP, then a repeated DEL for A arrives.
# It must not touch B (identify by container ID + ifname, not by IP).
case_ip_reuse() {
    local na nb ca cb ra ipa plugin b_mentioned=0
    fx_outside
    plugin=$(fx_plugin '.isGateway = true | .isDefaultGateway = true | .ipMasq = true | .capabilities = {ips: true}')
    na=$(fx_container a) nb=$(fx_container b)
    ca=$(fx_cid a) cb=$(fx_cid b)
    fx_add_ok "$ca" eth0 "$na" "$plugin"; ra=$RESULT; ipa=$(res_ip "$ra")
    fx_del "$ca" eth0 "$na" "$plugin" "$ra"
    expect_silent "DEL of A"
    fx_add_ok "$cb" eth0 "$nb" "$plugin" "" "{\"ips\":[\"$ipa/24\"]}"
    expect_eq "B's address (requested A's old IP)" "$ipa/24" "$(obs_addrs "$nb" eth0)"
    obs_ruleset_mentions "$ipa" >/dev/null && b_mentioned=1
    fx_del "$ca" eth0 "$na" "$plugin" "$ra"
    expect_silent "repeated DEL of A"
    fx_expect_attached "$nb" eth0 "$cb" "$RESULT" >/dev/null
    if [[ $b_mentioned -eq 1 ]] && ! obs_ruleset_mentions "$ipa" >/dev/null; then
        fail "expected B's rules for $ipa kept after A's repeated DEL, saw them removed"
    fi
    ping_ok "$nb" "$OUTSIDE_IP" || fail "expected B to reach the outside netns after A's repeated DEL, saw no reply"
}
def_case ip-reuse-stale-del case_ip_reuse

# DEL for an attachment that never existed (the runtime's DEL after an ADD that
# never reached the plugin) succeeds and touches nothing.
case_del_never_added() {
    local netns
    netns=$(fx_container c1)
    fx_del "$(fx_cid never)" eth0 "$netns" "$(fx_masq_plugin)" null
    expect_silent "DEL of an attachment that was never added"
}
def_case del-never-added case_del_never_added
