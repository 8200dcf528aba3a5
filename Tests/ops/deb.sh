#!/usr/bin/env bash
# Installs the Debian package on this machine, runs examples/try-in-netns.sh against the
# installed /usr/lib/cni/nsbridge, purges the package, and checks that nothing of it is left.
#
#   sudo Tests/ops/deb.sh dist/nsbridge_<version>_<arch>.deb
#
# It refuses to run, with exit status 1, when /usr/lib/cni/nsbridge already exists, whoever put
# it there: installing would replace it, and purging would then delete it.
set -euo pipefail
cd "$(dirname "$0")/../.."
DEB=$(realpath "$1")
[[ $EUID -eq 0 ]] || { echo "deb.sh: skipped, needs root"; exit 0; }
TARGET=/usr/lib/cni/nsbridge

if [[ -e "$TARGET" || -L "$TARGET" ]]; then
    owner=$(dpkg -S "$TARGET" 2>/dev/null | cut -d: -f1 || true)
    echo "FAIL deb.sh: $TARGET already exists (${owner:+installed by package $owner}${owner:-not from a package});" \
        "refusing to overwrite it. Remove it (or dpkg --purge nsbridge) and run again." >&2
    exit 1
fi
if dpkg-query -W -f='${Status}' nsbridge 2>/dev/null | grep -q installed; then
    echo "FAIL deb.sh: the nsbridge package is already installed; refusing to replace it" >&2
    exit 1
fi

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
purge() { dpkg --purge nsbridge >/dev/null 2>&1 || true; }
trap purge EXIT

contents=$(dpkg-deb -c "$DEB")
missing=""
for path in ./usr/lib/cni/nsbridge ./usr/share/doc/nsbridge/copyright ./usr/share/doc/nsbridge/changelog.gz \
            ./usr/share/doc/nsbridge/examples/nsbridge-repair.service ./usr/share/doc/nsbridge/examples/minimal.conflist; do
    grep -q " $path\$" <<<"$contents" || missing="$missing $path"
done
if [[ -z "$missing" ]]; then pass "package holds the binary, the copyright, the changelog, the example conflists and the systemd unit"
else fail "package lacks:$missing"; fi

if dpkg -i "$DEB" >/dev/null; then pass "dpkg -i"; else fail "dpkg -i"; exit 1; fi
if [[ "$(stat -c %a "$TARGET")" == 755 ]] && "$TARGET" --help | grep -q "usage: nsbridge"; then pass "installed binary runs"
else fail "installed binary"; fi
if NSBRIDGE=$TARGET examples/try-in-netns.sh >/tmp/nsbridge-deb-try.$$ 2>&1; then pass "try-in-netns.sh against the installed binary"
else fail "try-in-netns.sh against the installed binary:"; cat /tmp/nsbridge-deb-try.$$; fi
rm -f /tmp/nsbridge-deb-try.$$

dpkg --purge nsbridge >/dev/null
trap - EXIT
if [[ ! -e "$TARGET" && ! -e /usr/share/doc/nsbridge && ! -e /usr/share/lintian/overrides/nsbridge ]] \
    && ! dpkg-query -W nsbridge >/dev/null 2>&1; then pass "purge leaves nothing"
else fail "purge left files or a package record behind"; fi
# A binary someone else put at the target is never clobbered: the test refuses, naming it.
if [[ -z "${NSBRIDGE_DEB_INNER:-}" ]]; then
    printf 'placed by an operator\n' >"$TARGET"
    out=$(NSBRIDGE_DEB_INNER=1 "$0" "$DEB" 2>&1) && rc=0 || rc=$?
    if [[ $rc == 1 && "$(cat "$TARGET")" == "placed by an operator" ]] && grep -q "refusing to overwrite" <<<"$out"
    then pass "an existing $TARGET is left alone, with a clear message"; else fail "existing $TARGET (rc $rc): $out"; fi
    rm -f "$TARGET"
fi
echo "deb.sh: $passed passed, $failed failed"
[[ $failed == 0 ]]
