# shellcheck shell=bash
# Port mappings (the portMappings capability), run as a network configuration list the way
# libcni runs it: ADD plugin by plugin with prevResult, DEL in reverse, and runtimeConfig
# holding only the capabilities a plugin declares (driver.sh cni_list_*).
#
# Who maps is an input, because it cannot be observed before trying:
#   CNI_PORT_MAPPINGS=self      the plugin under test declares portMappings itself
#   CNI_PORT_MAPPINGS=<type>    a chained plugin of that type does (the reference: portmap)
#   unset                       these cases are not registered
#
# Every case: host port 8080 (+ 8081/udp) -> container A port 80, traffic to and from
# namespaces we created only, servers that stop by themselves.

PM_SERVER='
import socket, sys, threading, time
tag, port, end = sys.argv[1].encode(), int(sys.argv[2]), time.time() + float(sys.argv[3])
def tcp():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16); s.settimeout(0.3)
    while time.time() < end:
        try: c, _ = s.accept()
        except socket.timeout: continue
        c.sendall(tag); c.close()
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", port)); s.settimeout(0.3)
    while time.time() < end:
        try: _, peer = s.recvfrom(64)
        except socket.timeout: continue
        s.sendto(tag, peer)
threads = [threading.Thread(target=f, daemon=True) for f in (tcp, udp)]
[t.start() for t in threads]; [t.join() for t in threads]
'

PM_CLIENT='
import socket, sys
proto, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    if proto == "tcp":
        s = socket.create_connection((address, port), timeout=2); print(s.recv(64).decode())
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
        s.sendto(b"?", (address, port)); print(s.recvfrom(64)[0].decode())
except OSError:
    pass
'

# pm_list: the list under test, with hairpin on (the reference needs it for hairpin traffic).
pm_list() {
    local plugin
    plugin=$(fx_plugin '.isGateway = true | .isDefaultGateway = true | .ipMasq = true | .hairpinMode = true')
    if [[ $CNI_PORT_MAPPINGS == self ]]; then
        jq -nc --arg v "$VER" --arg n "$NET" --argjson p "$plugin" \
            '{cniVersion: $v, name: $n, plugins: [$p + {capabilities: {portMappings: true}}]}'
    else
        jq -nc --arg v "$VER" --arg n "$NET" --argjson p "$plugin" --arg mapper "$CNI_PORT_MAPPINGS" \
            '{cniVersion: $v, name: $n, plugins: [$p, {type: $mapper, capabilities: {portMappings: true}}]}'
    fi
}

# pm_attach [HOST_IP]: outside netns, container A (serving, with the mappings) and neighbour B.
pm_attach() {
    local caps
    caps=$(jq -nc --arg ip "${1:-}" '{portMappings: [
        {hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: $ip},
        {hostPort: 8081, containerPort: 80, protocol: "udp", hostIP: $ip}]}')
    fx_outside
    PM_LIST=$(pm_list) PM_CAPS=$caps
    PM_A=$(fx_container a) PM_B=$(fx_container b)
    cni_list_add "$PM_LIST" "$(fx_cid a)" eth0 "$PM_A" "" "$caps"
    expect_ok "ADD of A through the list"; PM_RES_A=$CNI_RESULT
    # B is only a neighbour: it publishes nothing (the same host port twice is a conflict).
    cni_list_add "$PM_LIST" "$(fx_cid b)" eth0 "$PM_B" "" '{"portMappings": []}'
    expect_ok "ADD of B through the list"
    in_ns "$PM_A" python3 -c "$PM_SERVER" from-a 80 15 >/dev/null 2>&1 &
    local i
    for i in $(seq 30); do
        in_ns "$PM_A" ss -ltn 2>/dev/null | grep -q ':80 ' && return 0
        sleep 0.1
    done
    fail "expected the test server in A to listen on port 80, saw nothing"
}

# pm_fetch NETNS PROTO ADDRESS PORT -> what answered ("" for nothing)
pm_fetch() {
    in_ns "$1" python3 -c "$PM_CLIENT" "$2" "$3" "$4" 2>/dev/null || true
}

# pm_expect WHO NETNS PROTO ADDRESS PORT
pm_expect() {
    local got
    got=$(pm_fetch "$2" "$3" "$4" "$5")
    [[ $got == from-a ]] || fail "expected $1 to reach container A through $3 $4:$5, saw '${got}'"
}

case_pm_tcp_outside() { pm_attach; pm_expect "the outside" "$OUTSIDE_NS" tcp 198.51.100.1 8080; }
case_pm_udp_outside() { pm_attach; pm_expect "the outside" "$OUTSIDE_NS" udp 198.51.100.1 8081; }
case_pm_from_host() {
    pm_attach
    pm_expect "the host (its own address)" "$NS_HOST" tcp 198.51.100.1 8080
    pm_expect "the host (127.0.0.1)" "$NS_HOST" tcp 127.0.0.1 8080
}
case_pm_from_container() { pm_attach; pm_expect "container B" "$PM_B" tcp 198.51.100.1 8080; }
case_pm_hairpin() { pm_attach; pm_expect "container A itself (hairpin)" "$PM_A" tcp 198.51.100.1 8080; }

# hostIP restricts the mapping: the host's other address (the gateway) must not map.
case_pm_host_ip() {
    pm_attach 198.51.100.1
    pm_expect "the outside" "$OUTSIDE_NS" tcp 198.51.100.1 8080
    local got
    got=$(pm_fetch "$PM_B" tcp "$GW" 8080)
    [[ -z $got ]] || fail "expected no mapping at the gateway $GW:8080 with hostIP 198.51.100.1, saw '$got'"
}

# DEL removes the DNAT: after A's DEL the outside gets no answer on the port.
case_pm_del_removes() {
    pm_attach
    pm_expect "the outside" "$OUTSIDE_NS" tcp 198.51.100.1 8080
    CNI_RESULT=$PM_RES_A
    cni_list_del "$PM_LIST" "$(fx_cid a)" eth0 "$PM_A" "" "$PM_CAPS"
    expect_ok "DEL of A through the list"
    local got
    got=$(pm_fetch "$OUTSIDE_NS" tcp 198.51.100.1 8080)
    [[ -z $got ]] || fail "expected no answer on 198.51.100.1:8080 after A's DEL, saw '$got'"
    in_host nft list ruleset 2>/dev/null | grep -q "$(res_ip "$PM_RES_A")" &&
        fail "expected no rule naming A's address $(res_ip "$PM_RES_A") after DEL, saw one"
    return 0
}

if [[ -n ${CNI_PORT_MAPPINGS:-} ]]; then
    def_once portmappings-tcp-from-outside case_pm_tcp_outside
    def_once portmappings-udp-from-outside case_pm_udp_outside
    def_once portmappings-from-host case_pm_from_host
    def_once portmappings-from-container case_pm_from_container
    def_once portmappings-hairpin case_pm_hairpin
    def_once portmappings-host-ip case_pm_host_ip
    def_once portmappings-del-removes-dnat case_pm_del_removes
fi
