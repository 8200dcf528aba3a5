# shellcheck shell=bash
# VERSION and the error contract that does not need a network (checklist 1-7, 30).

# 3: VERSION with only CNI_COMMAND set.
case_version_bare() {
    cni_invoke "$CNI_PLUGIN" "{\"cniVersion\":\"$1\"}" CNI_COMMAND=VERSION
    expect_ok "VERSION with only CNI_COMMAND set"
    jq -e '(.cniVersion | type == "string" and length > 0)
           and (.supportedVersions | type == "array" and length > 0)' <<<"$CNI_OUT" >/dev/null 2>&1 ||
        fail "expected {cniVersion, supportedVersions:[...]} on stdout, saw: $(_cni_said)"
}
def_once version-bare case_version_bare

# Podman: empty container id, dummy netns/ifname/path, stdin {"cniVersion": V}.
# Anything but the version object makes Podman drop the network silently.
case_version_podman() {
    local v=$1
    cni_invoke "$CNI_PLUGIN" "{\"cniVersion\":\"$v\"}" \
        CNI_COMMAND=VERSION CNI_CONTAINERID= CNI_NETNS=dummy CNI_IFNAME=dummy CNI_PATH=dummy
    expect_ok "VERSION with Podman's dummy variables"
    jq -e -s --arg v "$v" 'length == 1 and (.[0].supportedVersions | index($v))' <<<"$CNI_OUT" >/dev/null 2>&1 ||
        fail "expected exactly one version object listing $v, saw: $(_cni_said)"
}
def_case version-podman case_version_podman

# The current spec is 1.1.0; a plugin should speak it (STATUS, GC).
case_version_latest() {
    cni_invoke "$CNI_PLUGIN" '{"cniVersion":"1.1.0"}' CNI_COMMAND=VERSION
    expect_ok VERSION
    jq -e '.supportedVersions | index("1.1.0")' <<<"$CNI_OUT" >/dev/null ||
        fail "expected supportedVersions to include 1.1.0, saw $(jq -c .supportedVersions <<<"$CNI_OUT")"
}
def_once version-latest-spec case_version_latest

# 7: unknown verbs (INIT was proposed but never specified) are errors.
case_unknown_command() {
    local c netns conf
    netns=$(fx_container c1)
    conf=$(fx_conf "$(fx_plugin)")
    for c in INIT FINALIZE BOGUS; do
        cni_exec "$c" "$(fx_cid a)" eth0 "$netns" "$conf"
        expect_refused "CNI_COMMAND=$c"
    done
}
def_once unknown-command case_unknown_command

# 4: a config version the plugin does not claim -> code 1.
case_incompatible_version() {
    local v netns
    netns=$(fx_container c1)
    for v in 0.0.9 9.9.9; do
        cni_exec ADD "$(fx_cid a)" eth0 "$netns" "$(cni_netconf "$NET" "$v" "$(fx_plugin)")"
        expect_error "ADD with cniVersion $v" 1
    done
    [[ -z "$(obs_link "$netns" eth0)" ]] || fail "expected no eth0 after refused ADDs, saw one"
}
def_once incompatible-version case_incompatible_version

# 5: missing required variables -> code 4, message names each one.
_expect_missing() {
    local what=$1 var=$2
    expect_error "$what without $var" 4
    grep -q "$var" <<<"$CNI_OUT" || fail "expected the error for $what to name $var, saw: $(_cni_said)"
}

case_missing_env() {
    local netns conf cid
    netns=$(fx_container c1)
    conf=$(fx_conf "$(fx_plugin)")
    cid=$(fx_cid a)
    cni_exec ADD - eth0 "$netns" "$conf"; _expect_missing ADD CNI_CONTAINERID
    cni_exec ADD "$cid" - "$netns" "$conf"; _expect_missing ADD CNI_IFNAME
    cni_exec ADD "$cid" eth0 - "$conf"; _expect_missing ADD CNI_NETNS
    cni_exec DEL - eth0 "$netns" "$conf"; _expect_missing DEL CNI_CONTAINERID
    cni_exec DEL "$cid" - "$netns" "$conf"; _expect_missing DEL CNI_IFNAME
    if ver_ge "$VER" 0.4.0; then
        cni_exec CHECK "$cid" eth0 - "$(fx_conf "$(fx_plugin)" '{}')"; _expect_missing CHECK CNI_NETNS
    fi
    [[ -z "$(obs_link "$netns" eth0)" ]] || fail "expected no eth0 after refused ADDs, saw one"
}
def_case missing-env case_missing_env

# 6: unparseable stdin -> 6; invalid config -> 7.
case_bad_json() {
    local netns verb
    netns=$(fx_container c1)
    for verb in ADD DEL; do
        cni_exec "$verb" "$(fx_cid a)" eth0 "$netns" "{\"cniVersion\":\"$VER\",\"name\":"
        expect_error "$verb with truncated JSON" 6
    done
}
def_case bad-json case_bad_json

case_invalid_name() {
    local netns
    netns=$(fx_container c1)
    cni_exec ADD "$(fx_cid a)" eth0 "$netns" "$(cni_netconf 'bad name!' "$VER" "$(fx_plugin)")"
    expect_error "ADD with network name 'bad name!'" 7
}
def_case invalid-network-name case_invalid_name

case_invalid_subnet() {
    local netns
    netns=$(fx_container c1)
    cni_exec ADD "$(fx_cid a)" eth0 "$netns" "$(fx_conf "$(fx_plugin '.ipam.ranges = [[{subnet: "10.99.0.0/33"}]]')")"
    expect_error "ADD with subnet 10.99.0.0/33" 7
    [[ -z "$(obs_ipam_files "$DATA_DIR" "$(fx_cid a)")" ]] || fail "expected no reservation after a refused ADD, saw one"
}
def_case invalid-subnet case_invalid_subnet

# 30: bad ifname / container id -> 4, and nothing created.
case_invalid_names() {
    local netns conf ifn
    netns=$(fx_container c1)
    conf=$(fx_conf "$(fx_plugin)")
    for ifn in eth0123456789abc "a/b" "a:b" "a b" . ..; do
        cni_exec ADD "$(fx_cid a)" "$ifn" "$netns" "$conf"
        expect_error "ADD with CNI_IFNAME='$ifn'" 4
    done
    cni_exec ADD 'bad id!' eth0 "$netns" "$conf"
    expect_error "ADD with CNI_CONTAINERID='bad id!'" 4
    [[ "$(in_ns "$netns" ip -o link | wc -l)" -eq 1 ]] || fail "expected only lo in the container netns, saw $(in_ns "$netns" ip -o link | cut -d: -f2 | tr '\n' ' ')"
    local reserved
    reserved=$(obs_reserved_ips "$DATA_DIR")
    [[ -z "$reserved" ]] || fail "expected no reservation after refused ADDs, saw ${reserved//$'\n'/ }"
}
def_case invalid-names case_invalid_names
