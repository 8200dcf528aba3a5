#!/usr/bin/env bash
# Builds the installer image nsbridge:<version> with podman, with no network: a scratch image
# holding busybox-static, the release binary and the install entrypoint.
#
#   build-image.sh [--binary .build/release/nsbridge] [--name nsbridge]
#
# Prints the image reference. Podman's usual storage is used unless CONTAINERS_STORAGE_CONF
# says otherwise (the image test points it at a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=.build/release/nsbridge name=nsbridge
while [[ $# -gt 0 ]]; do
    case $1 in
        --binary) binary=$2; shift 2 ;;
        --name) name=$2; shift 2 ;;
        *) echo "usage: build-image.sh [--binary BIN] [--name NAME]" >&2; exit 2 ;;
    esac
done
busybox=$(command -v busybox) || { echo "build-image.sh: busybox-static is not installed" >&2; exit 1; }
version=$("$binary" 2>&1 | sed -n 's/^nsbridge: CNI bridge plugin \([^,]*\),.*/\1/p')
[[ -n $version ]] || { echo "build-image.sh: cannot read the version of $binary" >&2; exit 1; }

context=$(mktemp -d /tmp/nsbridge-image.XXXXXX)
trap 'rm -rf "$context"' EXIT
rootfs=$context/rootfs
mkdir -p "$rootfs/bin" "$rootfs/usr/local/lib/nsbridge" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for tool in sh cat cmp cp chmod dirname basename mkdir mktemp mv rm sed sleep tr wget; do
    ln -s busybox "$rootfs/bin/$tool"
done
install -m 0755 "$binary" "$rootfs/usr/local/lib/nsbridge/nsbridge"
install -m 0755 examples/kubernetes/install-cni.sh examples/kubernetes/render-conflist.sh "$rootfs/usr/local/lib/nsbridge/"
podman build -q --network none --pull=never -f Containerfile -t "localhost/$name:$version" "$context" >/dev/null
echo "localhost/$name:$version"
