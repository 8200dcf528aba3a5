// swift-tools-version:6.0
import PackageDescription

// The release binary must run on a node without a Swift toolchain: static Swift stdlib
// (`swift build -c release --static-swift-stdlib`), libstdc++ linked statically from the
// `.build/static-cxx` directory that `make release` prepares, non-PIE, linked with lld, stripped.
// The plugin is a fresh process per container operation, so start-up is paid every time: a static
// stdlib and non-PIE leave the dynamic loader few libraries to map and few relocations to apply,
// and stripping keeps the file small to page in.
let releaseLinkFlags: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-use-ld=lld", "-Xclang-linker", "-no-pie",
            "-L\(Context.packageDirectory)/.build/static-cxx",
            "-Xlinker", "-s",
        ],
        .when(configuration: .release)
    )
]

let package = Package(
    name: "nsbridge",
    products: [
        .executable(name: "nsbridge", targets: ["nsbridge"])
    ],
    targets: [
        // C libraries and shims.
        .systemLibrary(name: "CMnl", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        .systemLibrary(name: "CNftnl", pkgConfig: "libnftnl", providers: [.apt(["libnftnl-dev"])]),
        .target(name: "CSystemShims"),
        .target(name: "CNetlinkShims", dependencies: ["CMnl"]),

        // Pure CNI protocol: depends on nothing.
        .target(name: "CNIProtocol", linkerSettings: [.linkedLibrary("m")]),
        // The only module that calls setns, unshare, flock or writes sysctls.
        .target(name: "LinuxSupport", dependencies: ["CSystemShims"]),
        // The one libmnl socket wrapper, under both rtnetlink and nftables.
        .target(name: "NetlinkSocket", dependencies: ["CMnl", "CNetlinkShims", "LinuxSupport"]),
        // rtnetlink over libmnl. CNIProtocol is used only for its IP address value types.
        .target(name: "Netlink", dependencies: ["CMnl", "CNetlinkShims", "LinuxSupport", "CNIProtocol", "NetlinkSocket"]),
        // nftables over libnftnl, batches sent over a libmnl socket.
        .target(name: "Nftables", dependencies: ["CNftnl", "CMnl", "CNetlinkShims", "LinuxSupport", "CNIProtocol", "NetlinkSocket"]),
        // File-backed IPAM. Never imports Netlink or Nftables.
        .target(name: "IPAM", dependencies: ["CNIProtocol", "LinuxSupport"]),
        // The bridge plugin, composing every layer.
        .target(name: "BridgePlugin", dependencies: ["CNIProtocol", "LinuxSupport", "Netlink", "Nftables", "IPAM"]),
        // The invocation log (logFile/logLevel), fed by the executable and the phase observer.
        .target(name: "InvocationLog", dependencies: ["CNIProtocol", "LinuxSupport"]),
        // The operator's commands (ls, doctor, reclaim, repair), run by the same binary when it has arguments.
        .target(name: "NodeTools", dependencies: ["BridgePlugin", "CNIProtocol", "LinuxSupport", "Netlink", "Nftables", "IPAM"]),
        .executableTarget(name: "nsbridge", dependencies: ["BridgePlugin", "CNIProtocol", "NodeTools", "InvocationLog"], linkerSettings: releaseLinkFlags),

        // Test doubles and helpers shared by the test targets.
        .target(
            name: "CNITestSupport",
            dependencies: ["CNIProtocol", "LinuxSupport", "Netlink", "Nftables", "IPAM", "BridgePlugin", "CSystemShims"]
        ),

        .testTarget(name: "CNIProtocolTests", dependencies: ["CNIProtocol", "CNITestSupport"]),
        .testTarget(name: "IPAMTests", dependencies: ["IPAM", "CNITestSupport"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "CNITestSupport"]),
        .testTarget(name: "NftablesTests", dependencies: ["Nftables", "CNITestSupport"]),
        .testTarget(name: "BridgePluginTests", dependencies: ["BridgePlugin", "CNITestSupport"]),
        .testTarget(name: "NodeToolsTests", dependencies: ["NodeTools", "CNITestSupport"]),
        .testTarget(name: "PluginExecutableTests", dependencies: ["nsbridge", "CNITestSupport"]),
        .testTarget(
            name: "PrivilegedTests",
            dependencies: ["nsbridge", "CNITestSupport", "Netlink", "Nftables", "IPAM", "BridgePlugin", "LinuxSupport"]
        ),
    ]
)
