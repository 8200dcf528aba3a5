# shellcheck shell=bash
# 25: parallel ADDs for different containers get distinct IPs and keep each
# other's rules; parallel ADD/DEL mixes do not disturb survivors.

# _bg_add LABEL: ADD in the background, result in $CASE_DIR/res.LABEL
_bg_add() {
    local label=$1
    (
        fx_add "$(fx_cid "$label")" eth0 "/run/netns/${NS_PREFIX}-$$-$label" "$(fx_masq_plugin)"
        printf '%s\n' "$CNI_RC" >"$CASE_DIR/rc.$label"
        printf '%s' "$CNI_OUT" >"$CASE_DIR/res.$label"
    ) &
}

_bg_del() {
    local label=$1
    (
        fx_del "$(fx_cid "$label")" eth0 "/run/netns/${NS_PREFIX}-$$-$label" "$(fx_masq_plugin)" "$(<"$CASE_DIR/res.$label")"
        printf '%s\n' "$CNI_RC" >"$CASE_DIR/rc.$label"
    ) &
}

_expect_bg_ok() {
    local label rc
    for label in "$@"; do
        rc=$(<"$CASE_DIR/rc.$label")
        [[ "$rc" == 0 ]] || fail "expected parallel call for $label to succeed, saw exit $rc: $(head -c 200 "$CASE_DIR/res.$label" 2>/dev/null)"
    done
}

case_concurrent() {
    local l ips first=(p1 p2 p3 p4 p5 p6) second=(q1 q2 q3) survivors=(p4 p5 p6 q1 q2 q3)
    fx_outside
    for l in "${first[@]}" "${second[@]}"; do fx_container "$l" >/dev/null; done
    for l in "${first[@]}"; do _bg_add "$l"; done
    wait
    _expect_bg_ok "${first[@]}"
    ips=$(for l in "${first[@]}"; do res_ip "$(<"$CASE_DIR/res.$l")"; done | sort)
    [[ "$(uniq -d <<<"$ips")" == "" ]] || fail "expected distinct IPs from parallel ADDs, saw duplicates $(uniq -d <<<"$ips" | tr '\n' ' ')"
    # Now delete half while adding three more, all at once.
    for l in p1 p2 p3; do _bg_del "$l"; done
    for l in "${second[@]}"; do _bg_add "$l"; done
    wait
    _expect_bg_ok p1 p2 p3 "${second[@]}"
    for l in "${survivors[@]}"; do
        fx_expect_attached "/run/netns/${NS_PREFIX}-$$-$l" eth0 "$(fx_cid "$l")" "$(<"$CASE_DIR/res.$l")" >/dev/null
        ping_ok "/run/netns/${NS_PREFIX}-$$-$l" "$OUTSIDE_IP" || fail "expected $l to reach the outside netns after the parallel ADD/DEL mix, saw no reply"
    done
    for l in p1 p2 p3; do
        fx_expect_detached "$(fx_cid "$l")" eth0 "" "$(res_ip "$(<"$CASE_DIR/res.$l")")"
    done
    in_host nft -j list ruleset | jq -e . >/dev/null || fail "expected a parseable nftables ruleset, saw nft fail"
}
def_case concurrent-add-del case_concurrent
