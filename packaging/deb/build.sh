#!/usr/bin/env bash
# Builds dist/nsbridge_<version>_<arch>.deb from the release binary with dpkg-deb, and runs
# lintian on it when lintian is installed (an error or warning fails the build). The version has
# no Debian revision: the package is built from the project itself (a "native" package).
#
#   packaging/deb/build.sh BINARY OUTPUT-DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
BINARY=$1
OUT=$2

VERSION=$(sed -n 's/.*static let pluginVersion = "\(.*\)".*/\1/p' Sources/CNIProtocol/PluginRunner.swift)
ARCH=$(dpkg --print-architecture)
[[ -n "$VERSION" ]] || { echo "cannot find the version in PluginRunner.swift" >&2; exit 1; }
ROOT=$(mktemp -d /tmp/nsbridge-deb.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
chmod 0755 "$ROOT"
DOC=$ROOT/usr/share/doc/nsbridge

install -D -m 0755 "$BINARY" "$ROOT/usr/lib/cni/nsbridge"
install -d -m 0755 "$DOC/examples"
install -m 0644 packaging/deb/copyright "$DOC/copyright"
install -m 0644 README.md "$DOC/README.md"
install -m 0644 examples/*.conflist "$DOC/examples/"
install -m 0644 examples/systemd/nsbridge-repair.service "$DOC/examples/"
gzip -9n "$DOC/README.md"
install -D -m 0644 packaging/deb/lintian-overrides "$ROOT/usr/share/lintian/overrides/nsbridge"
{
    echo "nsbridge ($VERSION) unstable; urgency=medium"
    echo
    echo "  * Release $VERSION, built from the nsbridge source tree."
    echo
    echo " -- nsbridge maintainers <maintainers@nsbridge.invalid>  $(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$DOC/changelog.gz"

# Dependencies of the binary's shared libraries, as dpkg-shlibdeps computes them for a source
# package (it needs a debian/control to run from).
SHLIBS=$(mkdir -p "$ROOT/src/debian" && printf 'Source: nsbridge\n\nPackage: nsbridge\nArchitecture: any\n' >"$ROOT/src/debian/control" \
    && cd "$ROOT/src" && dpkg-shlibdeps -O "$ROOT/usr/lib/cni/nsbridge" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
rm -rf "$ROOT/src"
install -d -m 0755 "$ROOT/DEBIAN"
cat >"$ROOT/DEBIAN/control" <<CONTROL
Package: nsbridge
Version: $VERSION
Architecture: $ARCH
Maintainer: nsbridge maintainers <maintainers@nsbridge.invalid>
Installed-Size: $(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
Depends: ${SHLIBS:-libc6, libmnl0, libnftnl11}
Suggests: nftables, containernetworking-plugins
Section: net
Priority: optional
Homepage: https://github.com/nsbridge/nsbridge
Description: CNI bridge plugin with built-in IPAM and nftables masquerade
 nsbridge is a Container Network Interface plugin for Linux: a drop-in
 replacement for the reference bridge plugin together with host-local IPAM, in
 one executable, talking to the kernel only through netlink. It is installed in
 /usr/lib/cni, where Podman and containerd on Debian look for plugins.
 .
 Run with arguments, the same binary is a tool for the operator: ls, doctor,
 reclaim and repair.
CONTROL
(cd "$ROOT" && find usr -type f -exec md5sum {} + | sort -k2) >"$ROOT/DEBIAN/md5sums"
chmod 0644 "$ROOT/DEBIAN/control" "$ROOT/DEBIAN/md5sums"

mkdir -p "$OUT"
DEB="$OUT/nsbridge_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group --build "$ROOT" "$DEB" >/dev/null
echo "$DEB"
if command -v lintian >/dev/null; then
    lintian --fail-on error,warning "$DEB" >&2
fi
