#!/usr/bin/env bash
# containerd 1.6 through `ctr run --cni` on an nsbridge network.
#
# ctr reads fixed paths (/etc/cni/net.d, /opt/cni/bin, /var/lib/cni), so this script re-executes
# itself in a private mount and network namespace where tmpfs covers those paths and /run/netns;
# containerd runs with its own root, state and socket in a temporary directory and is stopped by
# its PID. The machine's configuration is never touched.
#
# Checks: the container gets its address from nsbridge and reaches the gateway; the DEL that ctr
# sends when the container exits (with an empty CNI_NETNS, after the task is gone) leaves no
# veth, reservation or masquerade element behind.
#
#   sudo Tests/runtimes/containerd.sh [--nsbridge BIN]
set -euo pipefail
cd "$(dirname "$0")/../.."
NSBRIDGE=$(pwd)/.build/release/nsbridge
[[ "${1:-}" == "--nsbridge" ]] && NSBRIDGE=$(realpath "$2")
command -v containerd >/dev/null && command -v ctr >/dev/null || { echo "containerd: not installed"; exit 1; }

if [[ -z "${NSB_CTR_INNER:-}" ]]; then
    export NSB_CTR_INNER=1
    exec unshare --net --mount --propagation private "$0" --nsbridge "$NSBRIDGE"
fi

WORK=$(mktemp -d /tmp/nsbctr.XXXXXX)
SOCKET=$WORK/containerd.sock
PASSED=0 FAILED=0 DAEMON=""
pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: $2"; }
ctr_() { ctr --address "$SOCKET" --namespace nsbtest "$@"; }

cleanup() {
    set +e
    [[ -n $DAEMON ]] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

setup_paths() {
    for dir in /etc/cni/net.d /opt/cni/bin /var/lib/cni /run/netns; do
        mkdir -p "$dir"
        mount -t tmpfs tmpfs "$dir"
    done
    ip link set lo up
    cp "$NSBRIDGE" /opt/cni/bin/nsbridge
    cp /usr/lib/cni/loopback /usr/lib/cni/portmap /opt/cni/bin/
    cat >/etc/cni/net.d/10-nsbridge.conflist <<'EOF'
{"cniVersion": "1.0.0", "name": "ctrnet", "plugins": [
  {"type": "nsbridge", "bridge": "nsbctr0", "isGateway": true, "isDefaultGateway": true, "ipMasq": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.91.0.0/24"}]]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
}

start_containerd() {
    cat >"$WORK/config.toml" <<EOF
version = 2
root = "$WORK/root"
state = "$WORK/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCKET"
EOF
    containerd --config "$WORK/config.toml" >"$WORK/containerd.log" 2>&1 &
    DAEMON=$!
    for _ in $(seq 1 100); do ctr --address "$SOCKET" version >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "containerd did not start:"; tail -20 "$WORK/containerd.log"; return 1
}

# A busybox-static image, built with podman (in its own scratch storage) as an OCI archive.
import_image() {
    mkdir -p "$WORK/rootfs/bin" "$WORK/podman"/{graph,run,tmp}
    cp "$(command -v busybox)" "$WORK/rootfs/bin/busybox"
    for tool in sh sleep ping ip cat; do ln -sf busybox "$WORK/rootfs/bin/$tool"; done
    tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
    printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' "$WORK/podman/graph" "$WORK/podman/run" >"$WORK/podman/storage.conf"
    printf '[engine]\ntmp_dir = "%s"\nevents_logger = "file"\n' "$WORK/podman/tmp" >"$WORK/podman/containers.conf"
    CONTAINERS_STORAGE_CONF=$WORK/podman/storage.conf CONTAINERS_CONF=$WORK/podman/containers.conf \
        podman import -q "$WORK/rootfs.tar" localhost/nsb-busybox:latest >/dev/null
    CONTAINERS_STORAGE_CONF=$WORK/podman/storage.conf CONTAINERS_CONF=$WORK/podman/containers.conf \
        podman save -q --format oci-archive -o "$WORK/image.tar" localhost/nsb-busybox:latest
    ctr_ image import --all-platforms --snapshotter native "$WORK/image.tar" >/dev/null
}

run_container() {
    local output
    output=$(ctr_ run --rm --cni --snapshotter native localhost/nsb-busybox:latest c1 \
        sh -c 'ip -o -4 addr show eth0; ping -c 1 -W 2 10.91.0.1 >/dev/null && echo gateway-ok' 2>&1) || true
    grep -q 'inet 10\.91\.0\.[0-9]*/24' <<<"$output" && pass "ctr run --cni: the container gets its address from nsbridge" \
        || fail "address" "$output"
    grep -q gateway-ok <<<"$output" && pass "the container reaches the gateway" || fail "gateway" "$output"
}

check_nothing_left() {
    local left=""
    left+=$(ip -o link show type veth 2>/dev/null || true)
    left+=$(ls /var/lib/cni/networks/ctrnet 2>/dev/null | grep '^10\.' || true)
    left+=$(nft list ruleset 2>/dev/null | grep -oE '10\.91\.0\.[0-9]+' | grep -vE '\.0$|\.1$' || true)
    [[ -z $left ]] && pass "ctr's DEL (empty CNI_NETNS) leaves no veth, reservation or nft element" \
        || fail "leak after ctr's DEL" "$left"
}

setup_paths
start_containerd
import_image
run_container
check_nothing_left
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
