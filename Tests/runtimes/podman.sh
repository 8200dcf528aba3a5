#!/usr/bin/env bash
# Podman 4.3 with its CNI backend runs real containers on nsbridge networks.
#
# Everything happens in a private network and mount namespace (this script re-executes itself
# under `unshare`), with Podman's configuration and storage in a temporary directory
# (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, vfs storage, cgroupfs, runc) and tmpfs over
# /run/netns, /var/lib/cni and /run/containers: the machine's own links, rules and Podman state
# are never touched. The image is busybox-static imported with `podman import`.
#
#   sudo Tests/runtimes/podman.sh [--nsbridge BIN] [--quick]
#
# --quick runs only the first checks (used with broken plugin wrappers to prove they fail).
set -euo pipefail
cd "$(dirname "$0")/../.."
NSBRIDGE=$(pwd)/.build/release/nsbridge
QUICK=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --nsbridge) NSBRIDGE=$(realpath "$2"); shift 2 ;;
        --quick) QUICK=1; shift ;;
        *) echo "usage: podman.sh [--nsbridge BIN] [--quick]" >&2; exit 2 ;;
    esac
done
command -v podman >/dev/null || { echo "podman: not installed (apt-get install podman)"; exit 1; }

if [[ -z "${NSB_PODMAN_INNER:-}" ]]; then
    export NSB_PODMAN_INNER=1 NSBRIDGE QUICK
    exec unshare --net --mount --propagation private "$0" --nsbridge "$NSBRIDGE" $([[ $QUICK == 1 ]] && echo --quick)
fi

WORK=$(mktemp -d /tmp/nsbpodman.XXXXXX)
PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: $2"; }
expect() { local name=$1 expected=$2 seen=$3; [[ "$seen" == "$expected" ]] && pass "$name" || fail "$name" "expected $expected, saw ${seen:-nothing}"; }

cleanup() {
    set +e
    podman rm -a -f -t 0 >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

setup() {
    mkdir -p /run/netns /var/lib/cni /run/containers "$WORK"/{bin,net.d,tmp,static,graph,run,rootfs/bin,www}
    for dir in /run/netns /var/lib/cni /run/containers; do mount -t tmpfs tmpfs "$dir"; done
    ip link set lo up
    cp "$NSBRIDGE" "$WORK/bin/nsbridge"
    cat >"$WORK/containers.conf" <<EOF
[containers]
# --ulimit host (below) keeps the host's limits: nofile under its hard limit, nproc unchanged.
default_ulimits = []
[network]
network_backend = "cni"
cni_plugin_dirs = ["$WORK/bin", "/usr/lib/cni"]
network_config_dir = "$WORK/net.d"
default_network = "nsb1"
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
tmp_dir = "$WORK/tmp"
static_dir = "$WORK/static"
events_logger = "file"
EOF
    printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/graph"\nrunroot = "%s/run"\n' "$WORK" "$WORK" >"$WORK/storage.conf"
    export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf
    network nsb1 nsbpod0 10.89.0 >"$WORK/net.d/nsb1.conflist"
    network nsb2 nsbpod1 10.90.0 >"$WORK/net.d/nsb2.conflist"
    builtin_network nsb3 nsbpod2 10.91.0 >"$WORK/net.d/nsb3.conflist"
    cp "$(command -v busybox)" "$WORK/rootfs/bin/busybox"
    for tool in sh sleep ping ip httpd wget cat nc; do ln -sf busybox "$WORK/rootfs/bin/$tool"; done
    echo hello-from-nsbridge >"$WORK/www/index.html"
    tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
    podman import -q "$WORK/rootfs.tar" localhost/nsb-busybox:latest >/dev/null
}

# The conflist Podman writes for `podman network create`, with nsbridge as the main plugin.
network() {
    cat <<EOF
{"cniVersion": "0.4.0", "name": "$1", "plugins": [
  {"type": "nsbridge", "bridge": "$2", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}],
            "ranges": [[{"subnet": "$3.0/24", "gateway": "$3.1"}]]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
}

# nsbridge alone (plus tuning), publishing ports itself through the portMappings capability, as
# examples/podman-nsbridge.conflist: no portmap, no firewall plugin.
builtin_network() {
    cat <<EOF
{"cniVersion": "0.4.0", "name": "$1", "plugins": [
  {"type": "nsbridge", "bridge": "$2", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "capabilities": {"portMappings": true},
   "ipam": {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}],
            "ranges": [[{"subnet": "$3.0/24", "gateway": "$3.1"}]]}},
  {"type": "tuning"}]}
EOF
}

# Podman's rootful default raises RLIMIT_NPROC, which this kind of sandbox forbids; keep the host's.
run() { podman run -d --ulimit host "$@" localhost/nsb-busybox:latest "${COMMAND[@]}" >/dev/null; }
ip_of() { podman inspect "$1" --format "{{(index .NetworkSettings.Networks \"${2:-nsb1}\").IPAddress}}"; }
mac_of() { podman inspect "$1" --format "{{(index .NetworkSettings.Networks \"${2:-nsb1}\").MacAddress}}"; }
reachable() { podman exec "$1" ping -c 1 -W 2 "$2" >/dev/null 2>&1; }

check_addressing() {
    COMMAND=(sleep 1000)
    run --name a --ip 10.89.0.10 --mac-address 02:42:0a:59:00:0a
    run --name b
    expect "--ip is honoured" 10.89.0.10 "$(ip_of a)"
    expect "--mac-address is honoured" 02:42:0a:59:00:0a "$(mac_of a)"
    local b_ip; b_ip=$(ip_of b)
    [[ $b_ip == 10.89.0.* ]] && pass "podman inspect shows the address nsbridge gave" || fail "address in inspect" "saw '$b_ip'"
    reachable b 10.89.0.10 && pass "containers reach each other" || fail "container to container" "no reply"
    reachable a 10.89.0.1 && pass "containers reach the gateway (the host)" || fail "container to gateway" "no reply"
}

check_port_and_lifecycle() {
    COMMAND=(httpd -f -p 80 -h /www)
    run --name web -p 8080:80 -v "$WORK/www:/www:ro"
    expect "a port published through portmap answers" hello-from-nsbridge "$(http_body 10.89.0.1 8080)"
    podman network reload a >/dev/null
    expect "network reload keeps the address" 10.89.0.10 "$(ip_of a)"
    expect "network reload keeps the MAC" 02:42:0a:59:00:0a "$(mac_of a)"
    reachable b 10.89.0.10 && pass "traffic flows after reload" || fail "after reload" "no reply"
    podman restart -t 0 a >/dev/null
    expect "restart keeps the requested address" 10.89.0.10 "$(ip_of a)"
    reachable b 10.89.0.10 && pass "traffic flows after restart" || fail "after restart" "no reply"
}

# The body of http://$1:$2/index.html, fetched with busybox nc, in container $3 if given. Not
# busybox wget: the static Debian build crashes (SIGSEGV) in wget even for a numeric address, on
# the host and in the containers alike, which made a published port look dead. Rootful Podman's
# conmon listens on the host port itself (to reserve it) and never answers, so a body proves the
# DNAT to the container.
http_body() {
    local request='GET /index.html HTTP/1.0\r\n\r\n'
    if [[ -n ${3:-} ]]; then
        printf "$request" | podman exec -i "$3" nc -w 3 "$1" "$2" 2>/dev/null | tail -n 1 || true
    else
        printf "$request" | busybox nc -w 3 "$1" "$2" 2>/dev/null | tail -n 1 || true
    fi
}

check_builtin_port() {
    COMMAND=(httpd -f -p 80 -h /www)
    run --name web3 --network nsb3 -p 8081:80 -v "$WORK/www:/www:ro"
    COMMAND=(sleep 1000)
    run --name client3 --network nsb3
    expect "podman run -p on nsbridge alone: reachable from the host" hello-from-nsbridge "$(http_body 10.91.0.1 8081)"
    expect "podman run -p on nsbridge alone: reachable at 127.0.0.1" hello-from-nsbridge "$(http_body 127.0.0.1 8081)"
    expect "podman run -p on nsbridge alone: reachable from another container" hello-from-nsbridge \
        "$(http_body 10.91.0.1 8081 client3)"
    expect "podman run -p on nsbridge alone: reachable from the container itself (hairpin)" hello-from-nsbridge \
        "$(http_body 10.91.0.1 8081 web3)"
    local elements; elements=$(portmap_elements)
    [[ $elements == *8081*10.91.0.* ]] && pass "the mapping lives in nsbridge's own table (no portmap on nsb3)" \
        || fail "mapping in nsbridge's table" "no element for 8081: ${elements:-none}"
    [[ -z $(iptables-nft -t nat -S 2>/dev/null | grep -- '--dport 8081' || true) ]] && pass "no iptables rule for the built-in mapping" \
        || fail "built-in mapping" "an iptables rule names port 8081"
}

# The elements of nsbridge's port-mapping maps and hairpin sets, one line each; not the
# ownerless marker that says the shared objects are set up (it stays, as the chains do).
portmap_elements() {
    nft -j list table inet nsbridge 2>/dev/null \
        | jq -c '.nftables[] | (.map // .set) | select(. != null and (.name | startswith("nsb-portmap-"))) | .elem[]?
                 | select(tostring | contains("nsb-ready") | not)' || true
}

check_connect() {
    podman network connect nsb2 b
    local second; second=$(ip_of b nsb2)
    [[ $second == 10.90.0.* ]] && pass "network connect adds a second network" || fail "connect" "saw '$second'"
    podman exec b ip -o addr show eth1 2>/dev/null | grep -q "$second/" && pass "the second interface is eth1" \
        || fail "eth1" "no $second on eth1"
    podman network disconnect nsb2 b
    [[ -z $(ls /var/lib/cni/networks/nsb2 2>/dev/null | grep '^10\.' || true) ]] && pass "disconnect releases the address" \
        || fail "disconnect" "reservation left in nsb2"
    podman exec b ip link show eth1 >/dev/null 2>&1 && fail "disconnect" "eth1 still there" || pass "disconnect removes eth1"
}

check_nothing_left() {
    podman rm -a -f -t 0 >/dev/null
    local left=""
    left+=$(ip -o link show type veth 2>/dev/null || true)
    left+=$(ls /var/lib/cni/networks/nsb1 /var/lib/cni/networks/nsb2 /var/lib/cni/networks/nsb3 2>/dev/null | grep '^10\.' || true)
    left+=$(nft list ruleset 2>/dev/null | grep -oE '10\.(89|90|91)\.0\.[0-9]+' | grep -vE '\.0$|\.1$' || true)
    left+=$(portmap_elements)
    left+=$(ls /run/netns 2>/dev/null || true)
    [[ -z $left ]] && pass "after podman rm: no veth, reservation, rule, port-mapping element or netns" || fail "podman rm leaks" "$left"
}

setup
check_addressing
if [[ $QUICK == 0 ]]; then
    check_port_and_lifecycle
    check_builtin_port
    check_connect
fi
check_nothing_left
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
