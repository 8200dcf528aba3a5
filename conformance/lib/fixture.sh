# shellcheck shell=bash
# Per-case fixture for the conformance cases: one throwaway host netns, one
# network (bridge cnct0, 10.99.0.0/24, host-local in a private data dir), and
# helpers that call the plugin the way a runtime would for this case's version.
#
#   fx_begin VERSION                 set up the case (run.sh calls it)
#   fx_plugin [JQ_FILTER]            the plugin object, optionally modified
#   fx_conf PLUGIN [PREV] [CAPS]     request config (name/cniVersion/prevResult/runtimeConfig)
#   fx_container LABEL               new container netns, prints its path
#   fx_cid LABEL                     a 64-hex container ID, like Podman's
#   fx_add CID IFNAME NETNS PLUGIN [CNI_ARGS] [CAPS]     ADD, no judgement
#   fx_add_ok ...                    ADD that must succeed; result in RESULT
#   fx_del CID IFNAME NETNS PLUGIN [RESULT] [CNI_ARGS]   DEL (prevResult >= 0.4.0)
#   fx_check CID IFNAME NETNS PLUGIN RESULT [CNI_ARGS]   CHECK
#   res_addrs RESULT / res_ip RESULT addresses in a result of any version
#   fx_expect_attached NETNS IFNAME CID RESULT           observed state = result
#   fx_expect_detached CID IFNAME HOST_VETH IP...        nothing of it left
#   fx_outside                       an "outside" netns routed via the host

fx_begin() {
    VER=$1
    NET=cnctnet BRIDGE=cnct0 SUBNET=10.99.0.0/24 GW=10.99.0.1
    DATA_DIR="$CASE_DIR/ipam"
    CNI_WORK=$CASE_DIR
    ns_host_create
    CNI_HOST_NETNS=$NS_HOST
}

fx_plugin() {
    jq -c --arg type "$CNI_PLUGIN_TYPE" --arg br "$BRIDGE" --arg subnet "$SUBNET" \
        --arg dir "$DATA_DIR" "{type: \$type, bridge: \$br,
          ipam: {type: \"host-local\", ranges: [[{subnet: \$subnet}]], dataDir: \$dir}}
        | ${1:-.}" <<<'null'
}

fx_conf() {
    cni_netconf "$NET" "$VER" "$1" "${2:-null}" "${3:-null}"
}

fx_container() {
    ns_create "$1"
}

fx_cid() {
    printf '%s' "$1-$$-${CASE_DIR##*/}" | sha256sum | cut -c1-64
}

fx_add() {
    local cid=$1 ifname=$2 netns=$3 plugin=$4
    cni_exec ADD "$cid" "$ifname" "$netns" "$(fx_conf "$plugin" null "${6:-null}")" "${@:5:1}"
}

fx_add_ok() {
    fx_add "$@"
    expect_ok "ADD"
    jq -e -s 'length == 1 and (.[0] | type == "object")' <<<"$CNI_OUT" >/dev/null 2>&1 ||
        fail "expected ADD to print exactly one JSON result on stdout, saw: $(_cni_said)"
    RESULT=$CNI_OUT
}

# libcni sends the cached ADD result as prevResult on DEL only for >= 0.4.0.
fx_del() {
    local cid=$1 ifname=$2 netns=$3 plugin=$4 result=${5:-null} prev=null
    ver_ge "$VER" 0.4.0 && prev=$result
    cni_exec DEL "$cid" "$ifname" "$netns" "$(fx_conf "$plugin" "$prev")" "${@:6:1}"
}

fx_check() {
    local cid=$1 ifname=$2 netns=$3 plugin=$4 result=$5
    cni_exec CHECK "$cid" "$ifname" "$netns" "$(fx_conf "$plugin" "$result")" "${@:6:1}"
}

# Addresses (addr/prefix) from a result of any version (0.2.0 ip4/ip6, or ips[]).
res_addrs() {
    jq -r '(.ips[]?.address), (.ip4.ip // empty), (.ip6.ip // empty)' <<<"$1"
}

res_ip() {
    local a
    a=$(res_addrs "$1" | head -n1)
    echo "${a%/*}"
}

# fx_expect_attached NETNS IFNAME CID RESULT -> prints the host veth name.
# Checks the kernel and the IPAM dir agree with the result.
fx_expect_attached() {
    local netns=$1 ifname=$2 cid=$3 result=$4 link addr seen peer master
    link=$(obs_link "$netns" "$ifname")
    [[ -n "$link" ]] || fail "expected $ifname in the container netns after ADD, saw no such link"
    jq -e '.operstate == "UP" or (.flags | index("UP"))' <<<"$link" >/dev/null ||
        fail "expected $ifname to be up, saw flags $(jq -c .flags <<<"$link")"
    seen=$(obs_addrs "$netns" "$ifname" | sort | tr '\n' ' ')
    for addr in $(res_addrs "$result"); do
        [[ " $seen" == *" $addr "* ]] || fail "expected address $addr on $ifname, saw ${seen:-none}"
        [[ -f "$DATA_DIR/$NET/${addr%/*}" ]] || fail "expected reservation file $NET/${addr%/*} in the data dir, saw $(obs_reserved_ips "$DATA_DIR" | tr '\n' ' ')"
    done
    [[ -n "$(obs_ipam_files "$DATA_DIR" "$cid" "$ifname")" || -z "$(res_addrs "$result")" ]] ||
        fail "expected a reservation owned by the container, saw none"
    peer=$(obs_host_peer "$netns" "$ifname")
    [[ -n "$peer" ]] || fail "expected a host veth peered with the container's $ifname, saw none"
    master=$(obs_link "$NS_HOST" "$peer" | jq -r '.master // empty')
    expect_eq "master of host veth $peer" "$BRIDGE" "$master"
    echo "$peer"
}

# fx_expect_detached CID IFNAME HOST_VETH IP...: after DEL nothing of the
# attachment may remain: host veth, reservation, or any ruleset mention.
fx_expect_detached() {
    local cid=$1 ifname=$2 veth=$3; shift 3
    local WHEN=${WHEN:-DEL}  # what removed it, for messages (GC cases say GC)
    local files hit
    if [[ -n "$veth" && -n "$(obs_link "$NS_HOST" "$veth")" ]]; then
        fail "expected host veth $veth to be gone after $WHEN, saw it still there"
    fi
    files=$(obs_ipam_files "$DATA_DIR" "$cid" "$ifname")
    [[ -z "$files" ]] || fail "expected no reservation for the container after $WHEN, saw ${files//$'\n'/ }"
    if hit=$(obs_ruleset_mentions "$cid" "$@"); then
        fail "expected no nft rule or element mentioning the container's ID or IP after $WHEN, saw $hit in the host ruleset"
    fi
    return 0
}

# An "outside" network reached through the host: 198.51.100.0/24 on a veth
# between host and outside netns. The outside netns has NO route back to the
# container subnet, so a reply can only arrive if the host masqueraded.
fx_outside() {
    OUTSIDE_NS=$(fx_container out)
    OUTSIDE_IP=198.51.100.2
    in_host ip link add cnctout0 type veth peer name eth0 netns "${OUTSIDE_NS##*/}"
    in_host ip addr add 198.51.100.1/24 dev cnctout0
    in_host ip link set cnctout0 up
    in_ns "$OUTSIDE_NS" ip addr add "$OUTSIDE_IP/24" dev eth0
    in_ns "$OUTSIDE_NS" ip link set eth0 up
}

# A plugin with gateway, default route and masquerade: seed topology 2.
fx_masq_plugin() {
    fx_plugin '.isGateway = true | .isDefaultGateway = true | .ipMasq = true'
}
