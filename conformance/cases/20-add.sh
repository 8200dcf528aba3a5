# shellcheck shell=bash
# ADD: result shape per version and the observed state (checklist 8-13, 27-29),
# plus what Podman sends and needs.

# 8: the result is in the config's exact version shape.
_expect_result_shape() {
    local v=$1 result=$2
    expect_eq "result cniVersion" "$v" "$(jq -r '.cniVersion // empty' <<<"$result")"
    if ! ver_ge "$v" 0.3.0; then
        jq -e '(.ip4.ip | type == "string") and (has("ips") | not) and (has("interfaces") | not)' \
            <<<"$result" >/dev/null || fail "expected a $v result with ip4.ip and no ips/interfaces, saw $(jq -c . <<<"$result")"
        return 0
    fi
    jq -e '(.interfaces | type == "array") and (.ips | type == "array" and length > 0)' <<<"$result" >/dev/null ||
        fail "expected a $v result with interfaces[] and ips[], saw $(jq -c . <<<"$result")"
    if ver_ge "$v" 1.0.0; then
        jq -e 'all(.ips[]; has("version") | not)' <<<"$result" >/dev/null ||
            fail "expected no ips[].version in a $v result, saw $(jq -c .ips <<<"$result")"
    else
        jq -e 'all(.ips[]; .version == (if (.address | test(":")) then "6" else "4" end))' <<<"$result" >/dev/null ||
            fail "expected ips[].version \"4\"/\"6\" matching the address in a $v result, saw $(jq -c .ips <<<"$result")"
    fi
}

# Podman uses only sandbox interfaces with a parseable MAC, and drops IPs
# whose "interface" does not point at one.
_expect_podman_shape() {
    local result=$1
    jq -e 'def mac: type == "string" and test("^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$");
           . as $r | all(.ips[]; (.interface | type == "number")
             and ($r.interfaces[.interface] | (.sandbox // "") != "" and (.mac | mac)))' \
        <<<"$result" >/dev/null ||
        fail "expected every ips[].interface to index a sandbox interface with a MAC, saw $(jq -c '{interfaces, ips}' <<<"$result")"
}

# 1, 8, 9: ADD succeeds, result lists the host veth and the container interface.
case_add_basic() {
    local netns cid veth
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    fx_add_ok "$cid" eth0 "$netns" "$(fx_plugin)"
    _expect_result_shape "$VER" "$RESULT"
    veth=$(fx_expect_attached "$netns" eth0 "$cid" "$RESULT")
    ver_ge "$VER" 0.3.0 || return 0
    jq -e --arg ns "$netns" 'any(.interfaces[]; .name == "eth0" and .sandbox == $ns)' <<<"$RESULT" >/dev/null ||
        fail "expected interface eth0 with sandbox $netns in the result, saw $(jq -c .interfaces <<<"$RESULT")"
    jq -e --arg v "$veth" 'any(.interfaces[]; .name == $v and ((.sandbox // "") == ""))' <<<"$RESULT" >/dev/null ||
        fail "expected the host veth $veth (no sandbox) in the result, saw $(jq -c .interfaces <<<"$RESULT")"
    expect_eq "eth0 MAC in result vs kernel" "$(obs_mac "$netns" eth0)" \
        "$(jq -r '.interfaces[] | select(.sandbox != null and .sandbox != "" and .name == "eth0") | .mac' <<<"$RESULT")"
}
def_case add-basic case_add_basic

case_result_podman_shape() {
    local netns
    netns=$(fx_container c1)
    fx_add_ok "$(fx_cid a)" eth0 "$netns" "$(fx_masq_plugin)" "IgnoreUnknown=1;K8S_POD_NAME=web"
    _expect_podman_shape "$RESULT"
}
def_case result-podman-shape case_result_podman_shape 0.3.0

# 10: an existing CNI_IFNAME is an error, and the existing link is left alone.
case_add_ifname_exists() {
    local netns cid
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    # A veth pair wholly inside the container: its eth0 end has no peer netns.
    in_ns "$netns" ip link add eth0 type veth peer name cnctx0
    fx_add "$cid" eth0 "$netns" "$(fx_plugin)"
    expect_refused "ADD when eth0 already exists in the container"
    obs_link "$netns" eth0 | jq -e 'has("link_netnsid") | not' >/dev/null ||
        fail "expected the pre-existing eth0 (peer cnctx0) untouched, saw $(obs_link "$netns" eth0)"
    [[ -z "$(obs_ipam_files "$DATA_DIR" "$cid")" ]] || fail "expected no reservation after the failed ADD, saw one"
}
def_case add-ifname-exists case_add_ifname_exists

# 12 + Podman: a failed ADD is rolled back (no reservation) and the DEL that
# the runtime sends right after, without prevResult, succeeds and cleans up.
case_failed_add_then_del() {
    local netns cid plugin
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    plugin=$(fx_masq_plugin)
    # Requested IP outside the range: IPAM fails after the veth may exist.
    fx_add "$cid" eth0 "$netns" "$plugin" "IgnoreUnknown=1;IP=10.98.0.5"
    expect_refused "ADD requesting an IP outside the range"
    [[ -z "$(obs_ipam_files "$DATA_DIR" "$cid")" ]] || fail "expected no reservation after the failed ADD, saw $(obs_ipam_files "$DATA_DIR" "$cid")"
    fx_del "$cid" eth0 "$netns" "$plugin" null "IgnoreUnknown=1;IP=10.98.0.5"
    expect_silent "DEL after a failed ADD, without prevResult"
    [[ -z "$(obs_link "$netns" eth0)" ]] || fail "expected no eth0 after DEL, saw one"
    [[ -z "$(obs_bridge_ports "$BRIDGE")" ]] || fail "expected no port on $BRIDGE after DEL, saw $(obs_bridge_ports "$BRIDGE")"
    fx_expect_detached "$cid" eth0 "" 10.98.0.5
}
def_case failed-add-then-del case_failed_add_then_del

# 11: a chained ADD must carry prevResult's interfaces and IPs into its result.
case_add_chained_prevresult() {
    local netns prev vfield=""
    netns=$(fx_container c1)
    ver_ge "$VER" 1.0.0 || vfield='"version":"4",'
    prev="{\"cniVersion\":\"$VER\",\"interfaces\":[{\"name\":\"cnctprev\",\"mac\":\"02:00:00:00:00:01\",\"sandbox\":\"$netns\"}],
           \"ips\":[{$vfield\"address\":\"192.0.2.77/24\",\"interface\":0}]}"
    cni_exec ADD "$(fx_cid a)" eth0 "$netns" "$(fx_conf "$(fx_plugin)" "$prev")"
    expect_ok "chained ADD"
    jq -e 'any(.interfaces[]; .name == "cnctprev") and any(.ips[]; .address == "192.0.2.77/24")' <<<"$CNI_OUT" >/dev/null ||
        fail "expected prevResult's interface cnctprev and IP 192.0.2.77/24 in the chained result, saw $(jq -c '{interfaces, ips}' <<<"$CNI_OUT")"
}
def_case add-chained-prevresult case_add_chained_prevresult 0.3.0

# 13: two ifnames for one container ID are independent attachments.
case_two_ifnames() {
    local netns cid plugin r0 r1 ip0 ip1
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    plugin=$(fx_plugin)
    fx_add_ok "$cid" eth0 "$netns" "$plugin"; r0=$RESULT
    fx_add_ok "$cid" eth1 "$netns" "$plugin"; r1=$RESULT
    ip0=$(res_ip "$r0") ip1=$(res_ip "$r1")
    [[ "$ip0" != "$ip1" ]] || fail "expected different IPs for eth0 and eth1, saw $ip0 twice"
    fx_expect_attached "$netns" eth0 "$cid" "$r0" >/dev/null
    fx_expect_attached "$netns" eth1 "$cid" "$r1" >/dev/null
    fx_del "$cid" eth0 "$netns" "$plugin" "$r0"
    expect_silent "DEL eth0"
    fx_expect_attached "$netns" eth1 "$cid" "$r1" >/dev/null
    [[ ! -e "$DATA_DIR/$NET/$ip0" ]] || fail "expected eth0's reservation $ip0 released, saw it kept"
    [[ -z "$(obs_link "$netns" eth0)" ]] || fail "expected eth0 gone after its DEL, saw it"
}
def_case two-ifnames case_two_ifnames

# 27: reserved and unknown keys are accepted.
case_unknown_keys() {
    local netns plugin cid
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    plugin=$(fx_plugin '.args = {cni: {labels: [{key: "app", value: "web"}]}}
        | .capabilities = {cnctUnknownCap: true} | ."cni.dev/cnct" = "x" | .vendorCnct = {nested: [1, 2]}')
    fx_add_ok "$cid" eth0 "$netns" "$plugin" "" '{"cnctUnknownCap":{"a":1}}'
    fx_del "$cid" eth0 "$netns" "$plugin" "$RESULT"
    expect_silent "DEL with unknown keys"
}
def_case unknown-keys case_unknown_keys

# 28: CNI_ARGS with unknown keys and IgnoreUnknown=1 (what Kubernetes sends).
case_cni_args_ignore_unknown() {
    local netns
    netns=$(fx_container c1)
    fx_add_ok "$(fx_cid a)" eth0 "$netns" "$(fx_plugin)" \
        "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=$(fx_cid a)"
}
def_case cni-args-ignore-unknown case_cni_args_ignore_unknown

# Podman --mac-address / network reload: MAC= in CNI_ARGS is honoured.
case_cni_args_mac() {
    local netns mac=02:42:0a:63:00:42
    netns=$(fx_container c1)
    fx_add_ok "$(fx_cid a)" eth0 "$netns" "$(fx_plugin)" "IgnoreUnknown=1;K8S_POD_NAME=web;MAC=$mac"
    expect_eq "container MAC (CNI_ARGS MAC=)" "$mac" "$(obs_mac "$netns" eth0)"
    ver_ge "$VER" 0.3.0 || return 0
    jq -e --arg m "$mac" 'any(.interfaces[]; .name == "eth0" and (.mac | ascii_downcase) == $m)' <<<"$RESULT" >/dev/null ||
        fail "expected eth0 with mac $mac in the result, saw $(jq -c .interfaces <<<"$RESULT")"
}
def_case cni-args-mac case_cni_args_mac

# Podman --ip: IP= in CNI_ARGS is honoured.
case_cni_args_ip() {
    local netns cid
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    fx_add_ok "$cid" eth0 "$netns" "$(fx_plugin)" "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.99.0.77"
    expect_eq "address (CNI_ARGS IP=)" "10.99.0.77/24" "$(obs_addrs "$netns" eth0)"
    expect_eq "address in result" "10.99.0.77/24" "$(res_addrs "$RESULT")"
    fx_expect_attached "$netns" eth0 "$cid" "$RESULT" >/dev/null
}
def_case cni-args-ip case_cni_args_ip

# Podman may inject runtimeConfig.ips with the same IP twice.
case_runtimeconfig_ips_dup() {
    local netns
    netns=$(fx_container c1)
    fx_add_ok "$(fx_cid a)" eth0 "$netns" "$(fx_plugin '.capabilities = {ips: true}')" "" \
        '{"ips":["10.99.0.66/24","10.99.0.66/24"]}'
    expect_eq "address (runtimeConfig.ips)" "10.99.0.66/24" "$(obs_addrs "$netns" eth0)"
}
def_case runtimeconfig-ips-duplicate case_runtimeconfig_ips_dup

# 29: dns from the config is in the result.
case_dns() {
    local netns
    netns=$(fx_container c1)
    fx_add_ok "$(fx_cid a)" eth0 "$netns" \
        "$(fx_plugin '.dns = {nameservers: ["192.0.2.53"], domain: "cnct.test", search: ["cnct.test"]}')"
    jq -e '.dns.nameservers == ["192.0.2.53"] and .dns.search == ["cnct.test"] and .dns.domain == "cnct.test"' \
        <<<"$RESULT" >/dev/null || fail "expected the config's dns in the result, saw $(jq -c '.dns' <<<"$RESULT")"
}
def_case dns case_dns

# L2-only: no ipam, interface up, no addresses.
case_add_l2_only() {
    local netns cid plugin
    netns=$(fx_container c1)
    cid=$(fx_cid a)
    plugin=$(fx_plugin 'del(.ipam)')
    fx_add_ok "$cid" eth0 "$netns" "$plugin"
    [[ -n "$(obs_host_peer "$netns" eth0)" ]] || fail "expected eth0 with a host veth peer, saw none"
    [[ -z "$(obs_addrs "$netns" eth0)" ]] || fail "expected no address in L2-only mode, saw $(obs_addrs "$netns" eth0)"
    fx_del "$cid" eth0 "$netns" "$plugin" "$RESULT"
    expect_silent "L2-only DEL"
    [[ -z "$(obs_bridge_ports "$BRIDGE")" ]] || fail "expected no port on $BRIDGE after DEL, saw $(obs_bridge_ports "$BRIDGE")"
}
def_case add-l2-only case_add_l2_only 0.3.0
