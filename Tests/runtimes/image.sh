#!/usr/bin/env bash
# The installer image: built by examples/kubernetes/build-image.sh (as `make image` does) into
# scratch podman storage, then run with podman against temporary "host" directories mounted in
# place of /opt/cni/bin and /etc/cni/net.d, as the DaemonSet mounts them.
#
# Checks: the binary and the conflist land with the right bytes and modes and no temporary file;
# a second run changes nothing (same inode and mtime); other plugins in the bin dir are
# untouched; the installed binary and conflist pass ADD, CHECK and DEL through libcni
# (Tests/runtimes/cnitool); an outdated binary is replaced by rename, and CNI_VERSION=1.1.0
# re-renders the conflist, which then passes STATUS.
#
# Runs in a private mount and network namespace with Podman's configuration and storage in a
# temporary directory, like podman.sh.
#
#   sudo Tests/runtimes/image.sh [--nsbridge BIN]
set -euo pipefail
cd "$(dirname "$0")/../.."
NSBRIDGE=$(pwd)/.build/release/nsbridge
[[ "${1:-}" == "--nsbridge" ]] && NSBRIDGE=$(realpath "$2")
command -v podman >/dev/null || { echo "image: podman is not installed"; exit 1; }

if [[ -z "${NSB_IMAGE_INNER:-}" ]]; then
    export NSB_IMAGE_INNER=1
    exec unshare --net --mount --propagation private "$0" --nsbridge "$NSBRIDGE"
fi

WORK=$(mktemp -d /tmp/nsbimage.XXXXXX)
HOST_BIN=$WORK/host/opt/cni/bin HOST_CONF=$WORK/host/etc/cni/net.d
PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: $2"; }
trap 'podman rm -a -f -t 0 >/dev/null 2>&1; rm -rf "$WORK"' EXIT INT TERM

setup() {
    mkdir -p /run/netns /var/lib/cni /run/containers "$WORK"/{tmp,static,graph,run} "$HOST_BIN" "$HOST_CONF"
    for dir in /run/netns /var/lib/cni /run/containers; do mount -t tmpfs tmpfs "$dir"; done
    ip link set lo up
    printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\ntmp_dir = "%s/tmp"\nstatic_dir = "%s/static"\nevents_logger = "file"\n' \
        "$WORK" "$WORK" >"$WORK/containers.conf"
    printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/graph"\nrunroot = "%s/run"\n' "$WORK" "$WORK" >"$WORK/storage.conf"
    export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf
    cp /usr/lib/cni/loopback "$HOST_BIN/loopback"
    IMAGE=$(examples/kubernetes/build-image.sh --binary "$NSBRIDGE")
    Tests/runtimes/cnitool/build.sh "$WORK"
}

install_on_host() {   # install_on_host [ENV=VALUE...]
    local env=() pair
    for pair in POD_CIDR=10.244.9.0/24 CLUSTER_CIDR=10.244.0.0/16 "$@"; do env+=(-e "$pair"); done
    podman run --rm --network none --ulimit host "${env[@]}" \
        -v "$HOST_BIN:/host/opt/cni/bin" -v "$HOST_CONF:/host/etc/cni/net.d" "$IMAGE" >"$WORK/install.log" 2>&1 \
        || { cat "$WORK/install.log"; return 1; }
}

stamp() { stat -c '%i %Y.%y' "$HOST_BIN/nsbridge" "$HOST_CONF/10-nsbridge.conflist"; }

check_install() {
    install_on_host || { fail "the image's install" "exit status $?"; return 1; }
    local expected; expected=$(examples/kubernetes/render-conflist.sh 10.244.9.0/24 10.244.0.0/16)
    cmp -s "$NSBRIDGE" "$HOST_BIN/nsbridge" && [[ $(stat -c %a "$HOST_BIN/nsbridge") == 755 ]] \
        && pass "the image installs the release binary, mode 0755" || fail "binary" "$(ls -l "$HOST_BIN")"
    [[ "$(cat "$HOST_CONF/10-nsbridge.conflist")" == "$expected" ]] \
        && pass "the conflist is render-conflist.sh's for the node's pod CIDR" || fail "conflist" "$(cat "$HOST_CONF"/*)"
    [[ -z $(ls -A "$HOST_BIN" "$HOST_CONF" | grep '^\.') ]] && cmp -s /usr/lib/cni/loopback "$HOST_BIN/loopback" \
        && pass "no temporary file is left, other plugins are untouched" || fail "leftovers" "$(ls -lA "$HOST_BIN" "$HOST_CONF")"
    local before; before=$(stamp)
    sleep 1.1; install_on_host && [[ $(stamp) == "$before" ]] \
        && pass "a second run is idempotent (same inode and mtime)" || fail "idempotence" "$before -> $(stamp)"
}

# The installed files as a runtime uses them: libcni with CNI_PATH and NETCONFPATH on the host dirs.
check_installed_files_work() {
    export CNI_PATH=$HOST_BIN NETCONFPATH=$HOST_CONF
    ip netns add nsbimage-pod
    local result
    result=$("$WORK/cnitool" add k8s-pod-network /run/netns/nsbimage-pod) \
        && ip -n nsbimage-pod -o -4 addr show dev eth0 | grep -q 'inet 10\.244\.9\.[0-9]*/24' \
        && pass "ADD with the installed binary and conflist" || fail "ADD" "$result"
    "$WORK/cnitool" check k8s-pod-network /run/netns/nsbimage-pod && pass "CHECK" || fail "CHECK" "failed"
    "$WORK/cnitool" del k8s-pod-network /run/netns/nsbimage-pod && [[ -z $(ip -o link show type veth) ]] \
        && [[ -z $(ls /var/lib/cni/networks/k8s-pod-network | grep '^10\.') ]] \
        && pass "DEL leaves no veth or reservation" || fail "DEL" "$(ip -o link show type veth)"
    ip netns del nsbimage-pod
}

# An upgrade: an outdated binary on the node and a new cniVersion in the DaemonSet's ConfigMap.
check_upgrade() {
    # Put in place by a rename, as an upgrade would: the DEL above left a lingering child of
    # the installed binary for a few milliseconds, and writing over a file being executed is
    # ETXTBSY ("Text file busy").
    echo outdated >"$HOST_BIN/.outdated" && mv -f "$HOST_BIN/.outdated" "$HOST_BIN/nsbridge"
    local old_inode; old_inode=$(stat -c %i "$HOST_BIN/nsbridge")
    install_on_host CNI_VERSION=1.1.0 && cmp -s "$NSBRIDGE" "$HOST_BIN/nsbridge" \
        && [[ $(stat -c %i "$HOST_BIN/nsbridge") != "$old_inode" ]] \
        && pass "an outdated binary is replaced by a rename, never rewritten in place" || fail "upgrade" "$(ls -li "$HOST_BIN")"
    jq -e '.cniVersion == "1.1.0"' "$HOST_CONF/10-nsbridge.conflist" >/dev/null && "$WORK/cnitool" status k8s-pod-network \
        && pass "CNI_VERSION=1.1.0 re-renders the conflist, and STATUS passes" || fail "1.1.0" "$(cat "$WORK/install.log")"
}

setup
check_install && check_installed_files_work && check_upgrade
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
