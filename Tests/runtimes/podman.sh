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
    cp "$(command -v busybox)" "$WORK/rootfs/bin/busybox"
    for tool in sh sleep ping ip httpd wget cat; do ln -sf busybox "$WORK/rootfs/bin/$tool"; done
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
    local body
    body=$(wget -q -T 3 -O - http://10.89.0.1:8080/index.html 2>/dev/null || busybox wget -q -T 3 -O - http://10.89.0.1:8080/index.html 2>/dev/null || true)
    expect "a port published through portmap answers" hello-from-nsbridge "$body"
    podman network reload a >/dev/null
    expect "network reload keeps the address" 10.89.0.10 "$(ip_of a)"
    expect "network reload keeps the MAC" 02:42:0a:59:00:0a "$(mac_of a)"
    reachable b 10.89.0.10 && pass "traffic flows after reload" || fail "after reload" "no reply"
    podman restart -t 0 a >/dev/null
    expect "restart keeps the requested address" 10.89.0.10 "$(ip_of a)"
    reachable b 10.89.0.10 && pass "traffic flows after restart" || fail "after restart" "no reply"
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
    left+=$(ls /var/lib/cni/networks/nsb1 /var/lib/cni/networks/nsb2 2>/dev/null | grep '^10\.' || true)
    left+=$(nft list ruleset 2>/dev/null | grep -oE '10\.(89|90)\.0\.[0-9]+' | grep -vE '\.0$|\.1$' || true)
    left+=$(ls /run/netns 2>/dev/null || true)
    [[ -z $left ]] && pass "after podman rm: no veth, reservation, rule or netns" || fail "podman rm leaks" "$left"
}

setup
check_addressing
if [[ $QUICK == 0 ]]; then
    check_port_and_lifecycle
    check_connect
fi
check_nothing_left
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
