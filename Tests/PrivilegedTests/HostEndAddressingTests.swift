import CNIProtocol
import CNITestSupport
import Testing

/// The host end of each veth is a bridge port and gets no IPv6 address of its own (issue #15:
/// per-container cost in the host namespace), while the container end keeps its IPv6 as before.
@Suite(
    "Host ends of veths carry no IPv6 address (throwaway namespaces)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct HostEndAddressingTests {
    @Test("A dual-stack ADD: host end has addrgenmode none and no IPv6 address; the container keeps its link-local and its address, and IPv6 traffic flows")
    func hostEndWithoutIPv6() throws {
        try withTestbed { bed in
            let ranges: JSONValue = [[["subnet": "10.66.0.0/24"]], [["subnet": "fd66::/64"]]]
            let ipam: JSONValue = ["type": "host-local", "ranges": ranges, "dataDir": .string(bed.dataDirectory.path)]
            let config = bed.config(ipam: ipam)
            let first = try bed.add(config, containerID: "c1")
            _ = try bed.add(config, containerID: "c2")
            let hostEnd = try #require(first["interfaces"]?.arrayValue?[1]["name"]?.stringValue)

            let link = try #require(try bed.link(hostEnd, in: bed.host))
            #expect(link["inet6_addr_gen_mode"]?.stringValue == "none")
            let hostAddresses = try bed.ipJSON(in: bed.host, ["ip", "-j", "-6", "addr", "show", "dev", hostEnd])
            #expect(hostAddresses.first?["addr_info"]?.arrayValue?.isEmpty ?? true, "\(hostAddresses)")

            let c1 = try bed.container("c1")
            let inside = try bed.ipJSON(in: c1, ["ip", "-j", "-6", "addr", "show", "dev", "eth0"])
            let locals = (inside.first?["addr_info"]?.arrayValue ?? []).compactMap { $0["local"]?.stringValue }
            #expect(locals.contains("fd66::2"))
            #expect(locals.contains { $0.hasPrefix("fe80:") }, "the container end keeps its link-local address: \(locals)")
            #expect(try bed.ping(from: "c1", to: "fd66::3"), "container to container over IPv6")
            #expect(try bed.ping(from: "c1", to: "10.66.0.3"), "container to container over IPv4")
            #expect(try bed.invoke("CHECK", BridgeTestbed.with(prevResult: first, config), netns: c1.path).status == 0)
        }
    }

    @Test("An MTU below IPv6's 1280 leaves the host end without IPv6 state: ADD still labels it with its owner and succeeds")
    func hostEndWithoutIPv6State() throws {
        try withTestbed { bed in
            let config = bed.config(["mtu": 1200])
            let result = try bed.add(config, containerID: "c1")
            let hostEnd = try #require(result["interfaces"]?.arrayValue?[1]["name"]?.stringValue)
            let link = try #require(try bed.link(hostEnd, in: bed.host))
            #expect(link["ifalias"]?.stringValue == "c1@eth0")
            #expect(link["mtu"]?.integerValue == 1200)
            #expect(try bed.invoke("DEL", BridgeTestbed.with(prevResult: result, config), netns: try bed.container("c1").path).status == 0)
        }
    }
}
