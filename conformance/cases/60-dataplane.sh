# shellcheck shell=bash
# Data plane: real packets between namespaces we created.

case_dp_container_to_container() {
    local na nb ra rb
    na=$(fx_container a) nb=$(fx_container b)
    fx_add_ok "$(fx_cid a)" eth0 "$na" "$(fx_plugin)"; ra=$RESULT
    fx_add_ok "$(fx_cid b)" eth0 "$nb" "$(fx_plugin)"; rb=$RESULT
    ping_ok "$na" "$(res_ip "$rb")" || fail "expected A to ping B ($(res_ip "$rb")), saw no reply"
    ping_ok "$nb" "$(res_ip "$ra")" || fail "expected B to ping A ($(res_ip "$ra")), saw no reply"
}
def_case dataplane-container-to-container case_dp_container_to_container

case_dp_gateway() {
    local na
    na=$(fx_container a)
    fx_add_ok "$(fx_cid a)" eth0 "$na" "$(fx_plugin '.isGateway = true')"
    in_host ip -j addr show dev "$BRIDGE" | jq -e --arg gw "$GW" 'any(.[0].addr_info[]; .local == $gw)' >/dev/null ||
        fail "expected gateway $GW on $BRIDGE (isGateway), saw $(obs_addrs "$NS_HOST" "$BRIDGE" | tr '\n' ' ')"
    ping_ok "$na" "$GW" || fail "expected the container to ping the gateway $GW, saw no reply"
    ping_ok "$NS_HOST" "$(res_ip "$RESULT")" || fail "expected the host to ping the container, saw no reply"
}
def_case dataplane-gateway case_dp_gateway

# ipMasq: the outside netns has no route back to the container subnet, so the
# container only gets a reply if the host rewrote the source address.
case_dp_masquerade() {
    local na
    fx_outside
    na=$(fx_container a)
    fx_add_ok "$(fx_cid a)" eth0 "$na" "$(fx_masq_plugin)"
    if in_ns "$OUTSIDE_NS" ip route get "$(res_ip "$RESULT")" >/dev/null 2>&1; then
        fail "expected the outside netns to have no route to the container subnet, saw one"
    fi
    ping_ok "$na" "$OUTSIDE_IP" || fail "expected the container to reach $OUTSIDE_IP through masquerading, saw no reply"
}
def_case dataplane-masquerade case_dp_masquerade

# Control for the case above (and a plugin bug if it fails): without ipMasq
# there must be no reply, i.e. nothing masquerades unasked.
case_dp_no_masq_without_ipmasq() {
    local na
    fx_outside
    na=$(fx_container a)
    fx_add_ok "$(fx_cid a)" eth0 "$na" "$(fx_plugin '.isGateway = true | .isDefaultGateway = true')"
    ping_ok "$na" "$GW" || fail "expected the container to ping the gateway, saw no reply"
    if ping_ok "$na" "$OUTSIDE_IP"; then
        fail "expected no reply from $OUTSIDE_IP without ipMasq, saw one (something masquerades unasked)"
    fi
    return 0
}
def_case dataplane-no-masq-without-ipmasq case_dp_no_masq_without_ipmasq

# macspoofchk: once A changes its MAC, its frames must be dropped at the
# bridge, so A can no longer reach B (B is still reachable before the change).
case_dp_macspoofchk() {
    local na nb plugin ipb
    plugin=$(fx_plugin '.macspoofchk = true')
    na=$(fx_container a) nb=$(fx_container b)
    fx_add_ok "$(fx_cid a)" eth0 "$na" "$plugin"
    fx_add_ok "$(fx_cid b)" eth0 "$nb" "$plugin"; ipb=$(res_ip "$RESULT")
    ping_ok "$na" "$ipb" || fail "expected A to ping B before spoofing, saw no reply"
    in_ns "$na" ip link set eth0 address 02:00:00:5e:00:99
    in_ns "$na" ip neigh flush dev eth0
    if ping_ok "$na" "$ipb"; then
        fail "expected A's frames with a spoofed MAC to be dropped (macspoofchk), saw B answer"
    fi
    return 0
}
def_case dataplane-macspoofchk case_dp_macspoofchk 0.3.0
