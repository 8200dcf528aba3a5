# shellcheck shell=bash
# CHECK (checklist 18-21). CHECK exists from 0.4.0; older configs must refuse it.

# _add_for_check PLUGIN -> NETNS, CID, RESULT, IP
_add_for_check() {
    NETNS=$(fx_container c1)
    CID=$(fx_cid a)
    fx_add_ok "$CID" eth0 "$NETNS" "$1"
    IP=$(res_ip "$RESULT")
}

# _check_fails_after WHAT PLUGIN: CHECK with the ADD result must now fail.
_check_fails_after() {
    fx_check "$CID" eth0 "$NETNS" "$2" "$RESULT"
    expect_refused "CHECK after $1"
}

case_check_after_add() {
    local plugin
    plugin=$(fx_masq_plugin)
    _add_for_check "$plugin"
    fx_check "$CID" eth0 "$NETNS" "$plugin" "$RESULT"
    expect_silent "CHECK right after ADD"
}
def_case check-after-add case_check_after_add 0.4.0

# Other ports joining the bridge (a second container, an uplink the admin
# attaches) must not make an earlier attachment's CHECK fail. A bridge without a
# fixed MAC takes the lowest port MAC; the uplink's 00:00:5e:00:53:01
# (documentation range) is below any random veth MAC, so the change is certain.
case_check_after_bridge_changes() {
    local plugin nb ra
    plugin=$(fx_plugin)
    _add_for_check "$plugin"
    ra=$RESULT
    nb=$(fx_container b)
    fx_add_ok "$(fx_cid b)" eth0 "$nb" "$plugin"
    in_host ip link add cnctup0 address 00:00:5e:00:53:01 type veth peer name cnctup1
    in_host ip link set cnctup0 master "$BRIDGE" up
    fx_check "$CID" eth0 "$NETNS" "$plugin" "$ra"
    expect_silent "CHECK of A after B and an uplink joined the bridge"
}
def_case check-after-bridge-changes case_check_after_bridge_changes 0.4.0

case_check_no_prevresult() {
    local plugin
    plugin=$(fx_plugin)
    _add_for_check "$plugin"
    cni_exec CHECK "$CID" eth0 "$NETNS" "$(fx_conf "$plugin")"
    expect_refused "CHECK without prevResult"
}
def_case check-no-prevresult case_check_no_prevresult 0.4.0

case_check_iface_missing() {
    local plugin
    plugin=$(fx_plugin)
    _add_for_check "$plugin"
    in_ns "$NETNS" ip link del eth0
    _check_fails_after "deleting the container interface" "$plugin"
}
def_case check-iface-missing case_check_iface_missing 0.4.0

case_check_address_missing() {
    local plugin
    plugin=$(fx_plugin)
    _add_for_check "$plugin"
    in_ns "$NETNS" ip addr del "$(res_addrs "$RESULT" | head -n1)" dev eth0
    _check_fails_after "removing the container address" "$plugin"
}
def_case check-address-missing case_check_address_missing 0.4.0

case_check_route_missing() {
    local plugin
    plugin=$(fx_plugin '.isDefaultGateway = true')
    _add_for_check "$plugin"
    jq -e 'any(.routes[]?; .dst == "0.0.0.0/0")' <<<"$RESULT" >/dev/null ||
        fail "expected a default route in the isDefaultGateway result, saw $(jq -c .routes <<<"$RESULT")"
    in_ns "$NETNS" ip route del default
    _check_fails_after "removing the default route" "$plugin"
}
def_case check-route-missing case_check_route_missing 0.4.0

case_check_reservation_missing() {
    local plugin
    plugin=$(fx_plugin)
    _add_for_check "$plugin"
    rm -f "$DATA_DIR/$NET/$IP"
    _check_fails_after "removing the IP reservation" "$plugin"
}
def_case check-reservation-missing case_check_reservation_missing 0.4.0

# Plugin-agnostic way to lose the masquerade rule: flush the host ruleset.
case_check_masq_missing() {
    local plugin
    plugin=$(fx_masq_plugin)
    _add_for_check "$plugin"
    in_host nft flush ruleset
    _check_fails_after "flushing the host's nftables ruleset (masquerade gone)" "$plugin"
}
def_case check-masq-missing case_check_masq_missing 0.4.0

# 20: later plugins may add routes/addresses; CHECK must not mind.
case_check_extra_routes() {
    local plugin
    plugin=$(fx_plugin '.isDefaultGateway = true')
    _add_for_check "$plugin"
    in_ns "$NETNS" ip addr add 192.0.2.9/32 dev eth0
    in_ns "$NETNS" ip route add 198.18.0.0/15 via "$GW" dev eth0
    fx_check "$CID" eth0 "$NETNS" "$plugin" "$RESULT"
    expect_silent "CHECK with an extra address and route"
}
def_case check-extra-routes case_check_extra_routes 0.4.0

case_check_l2_only() {
    local plugin
    plugin=$(fx_plugin 'del(.ipam)')
    NETNS=$(fx_container c1) CID=$(fx_cid a)
    fx_add_ok "$CID" eth0 "$NETNS" "$plugin"
    fx_check "$CID" eth0 "$NETNS" "$plugin" "$RESULT"
    expect_silent "CHECK of an L2-only attachment"
}
def_case check-l2-only case_check_l2_only 0.4.0

# 21: CHECK is not part of versions before 0.4.0.
case_check_refused() {
    local plugin
    plugin=$(fx_plugin)
    _add_for_check "$plugin"
    fx_check "$CID" eth0 "$NETNS" "$plugin" "$RESULT"
    expect_error "CHECK with cniVersion $VER" 1
}
def_case check-refused-before-0.4.0 case_check_refused 0.0.0 0.4.0
