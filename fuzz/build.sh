#!/usr/bin/env bash
# Builds one libFuzzer binary per target in fuzz/targets into .build/fuzz.
#
# SwiftPM has no fuzzer products, so the modules a target needs are compiled here with swiftc
# from their own sources: instrumented for coverage, with -enable-testing so that a target can
# reach internal parsers through `@testable import` (netlink replies, reservation files).
# Usage: fuzz/build.sh [target ...]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/.build/fuzz
mkdir -p "$out/modules/CSystemShims" "$out/modules/CNetlinkShims" "$out/lib"

swift_flags=(-sanitize=fuzzer,address -parse-as-library -O -g -enable-testing
             -I "$out/lib" -I "$out/modules" -I "$root/Sources/CMnl" -I "$root/Sources/CNftnl")

c_module() { # name: a module map and an object for one of the C shim targets
    local name=$1
    printf 'module %s {\n    header "%s"\n    export *\n}\n' "$name" "$root/Sources/$name/include/$name.h" \
        > "$out/modules/$name/module.modulemap"
    clang -c -O1 -g -fPIC -I "$root/Sources/$name/include" "$root/Sources/$name/shims.c" -o "$out/lib/$name.o"
}

module_sources=("$root/Sources/CNIProtocol" "$root/Sources/LinuxSupport" "$root/Sources/IPAM" "$root/Sources/NetlinkSocket"
                "$root/Sources/Netlink" "$root/Sources/Nftables" "$root/Sources/BridgePlugin"
                "$root/Sources/CSystemShims" "$root/Sources/CNetlinkShims")

swift_module() { # name: a static library and module of Sources/<name>, rebuilt when any module source is
    local name=$1 library=$out/lib/lib$1.a # newer (a dependency's change can change this module's interface)
    if [[ -f $library ]] && [[ -z $(find "${module_sources[@]}" -newer "$library" -type f | head -1) ]]; then
        return
    fi
    echo "fuzz: compiling module $name"
    (cd "$out/lib" && swiftc "${swift_flags[@]}" -module-name "$name" -emit-module -emit-library -static \
        -o "$library" "$root"/Sources/"$name"/*.swift)
}

c_module CSystemShims
c_module CNetlinkShims
for module in CNIProtocol LinuxSupport IPAM NetlinkSocket Netlink Nftables BridgePlugin; do swift_module "$module"; done

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    for file in fuzz/targets/*.swift; do targets+=("$(basename "$file" .swift)"); done
fi
for target in "${targets[@]}"; do
    echo "fuzz: linking $target"
    swiftc "${swift_flags[@]}" -module-name "Fuzz_$target" "$root/fuzz/targets/$target.swift" \
        -L "$out/lib" -lBridgePlugin -lNftables -lIPAM -lNetlink -lNetlinkSocket -lLinuxSupport -lCNIProtocol \
        "$out/lib/CSystemShims.o" "$out/lib/CNetlinkShims.o" -lnftnl -lmnl -lm -o "$out/$target" 2> >(grep -v 'Cannot export local symbol' >&2)
done
