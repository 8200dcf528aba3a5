# shellcheck shell=bash
# STATUS and GC (checklist 22-24). Both exist from 1.1.0; older configs must
# refuse them with code 1.

# STATUS and GC carry no attachment: only CNI_COMMAND and CNI_PATH are set.
_status() { cni_exec STATUS - - - "$(fx_conf "$1")"; }

# _gc PLUGIN KEY ATTACHMENTS_JSON
_gc() {
    local conf
    conf=$(fx_conf "$1" | jq -c --arg k "$2" --argjson a "$3" '.[$k] = $a')
    cni_exec GC - - - "$conf"
}

case_status_gc_refused() {
    local plugin
    plugin=$(fx_plugin)
    _status "$plugin"
    expect_error "STATUS with cniVersion $VER" 1
    _gc "$plugin" cni.dev/valid-attachments '[]'
    expect_error "GC with cniVersion $VER" 1
}
def_case status-gc-refused-before-1.1.0 case_status_gc_refused 0.0.0 1.1.0

case_status_ok() {
    _status "$(fx_plugin)"
    expect_silent "STATUS on a healthy network"
}
def_case status-ok case_status_ok 1.1.0

# A /30 has one usable address (.2; .1 is the gateway): after one ADD the pool
# is exhausted and STATUS must say "cannot serve ADD" (code 50).
case_status_pool_exhausted() {
    local plugin netns
    plugin=$(fx_plugin '.ipam.ranges = [[{subnet: "10.99.0.0/30"}]]')
    netns=$(fx_container c1)
    fx_add_ok "$(fx_cid a)" eth0 "$netns" "$plugin"
    _status "$plugin"
    expect_error "STATUS with the address pool exhausted" 50
}
def_case status-pool-exhausted case_status_pool_exhausted 1.1.0

# 22: GC drops A (not listed, netns already gone) and keeps B.
_gc_case() {
    local key=$1 plugin na nb ca cb ra rb ipa b_mentioned=0 WHEN=GC
    plugin=$(fx_masq_plugin)
    na=$(fx_container a) nb=$(fx_container b)
    ca=$(fx_cid a) cb=$(fx_cid b)
    fx_add_ok "$ca" eth0 "$na" "$plugin"; ra=$RESULT; ipa=$(res_ip "$ra")
    fx_add_ok "$cb" eth0 "$nb" "$plugin"; rb=$RESULT
    obs_ruleset_mentions "$(res_ip "$rb")" >/dev/null && b_mentioned=1
    ns_delete "$na"
    _gc "$plugin" "$key" "[{\"containerID\":\"$cb\",\"ifname\":\"eth0\"}]"
    expect_silent "GC ($key lists only B)"
    fx_expect_detached "$ca" eth0 "" "$ipa"
    fx_expect_attached "$nb" eth0 "$cb" "$rb" >/dev/null
    if [[ $b_mentioned -eq 1 ]] && ! obs_ruleset_mentions "$(res_ip "$rb")" >/dev/null; then
        fail "expected GC to keep B's rules, saw them removed"
    fi
    return 0
}

case_gc() { _gc_case cni.dev/valid-attachments; }
def_case gc case_gc 1.1.0

case_gc_legacy_key() { _gc_case cni.dev/attachments; }
def_case gc-legacy-key case_gc_legacy_key 1.1.0

# GC is per network: a GC of network "cnctnet" with an empty valid list must
# not touch the attachments (reservations, rules) of another network that
# shares the data dir and bridge.
case_gc_scoped_to_network() {
    local plugin na nb ra rb ipb b_mentioned=0 WHEN=GC
    plugin=$(fx_masq_plugin)
    na=$(fx_container a) nb=$(fx_container b)
    fx_add_ok "$(fx_cid a)" eth0 "$na" "$plugin"; ra=$RESULT
    # B lives in network "cnctother" (its own subnet, same bridge and data dir).
    local other
    other=$(fx_plugin '.isGateway = true | .ipMasq = true | .ipam.ranges = [[{subnet: "10.98.0.0/24"}]]')
    cni_exec ADD "$(fx_cid b)" eth0 "$nb" "$(cni_netconf cnctother "$VER" "$other")"
    expect_ok "ADD to network cnctother"
    rb=$CNI_OUT ipb=$(res_ip "$rb")
    obs_ruleset_mentions "$ipb" >/dev/null && b_mentioned=1
    ns_delete "$na"
    _gc "$plugin" cni.dev/valid-attachments '[]'
    expect_silent "GC of cnctnet with an empty valid list"
    fx_expect_detached "$(fx_cid a)" eth0 "" "$(res_ip "$ra")"
    [[ -f "$DATA_DIR/cnctother/$ipb" ]] || fail "expected GC of cnctnet to keep cnctother's reservation $ipb, saw it removed"
    if [[ $b_mentioned -eq 1 ]] && ! obs_ruleset_mentions "$ipb" >/dev/null; then
        fail "expected GC of cnctnet to keep cnctother's rules for $ipb, saw them removed"
    fi
    return 0
}
def_case gc-scoped-to-network case_gc_scoped_to_network 1.1.0

# The data dir cannot be created (its parent is a regular file): ADD cannot
# succeed, so STATUS must say so with code 50.
case_status_datadir_unusable() {
    local plugin
    : >"$CASE_DIR/not-a-dir"
    plugin=$(fx_plugin ".ipam.dataDir = \"$CASE_DIR/not-a-dir/ipam\"")
    _status "$plugin"
    expect_error "STATUS with an unusable IPAM data dir" 50
}
def_case status-datadir-unusable case_status_datadir_unusable 1.1.0
