import CNIProtocol
import CNITestSupport
import Testing

/// A host end takes no part in the host's IPv6 routing: no route per container in the host's
/// IPv6 FIB, which every link event walks (issue #15).
@Suite(
    "Host ends of veths add no IPv6 route to the host (throwaway namespaces)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct HostEndRouteTests {
    @Test("After a dual-stack ADD, the host end has disable_ipv6 1 and no route of any table names it; the bridge keeps IPv6, containers talk over both families, CHECK and DEL pass")
    func noRoutePerHostEnd() throws {
        try withTestbed { bed in
            let ranges: JSONValue = [[["subnet": "10.66.0.0/24"]], [["subnet": "fd66::/64"]]]
            let ipam: JSONValue = ["type": "host-local", "ranges": ranges, "dataDir": .string(bed.dataDirectory.path)]
            let config = bed.config(ipam: ipam, ["isGateway": true])
            let first = try bed.add(config, containerID: "c1")
            let second = try bed.add(config, containerID: "c2")
            let hostEnds = [first, second].compactMap { $0["interfaces"]?.arrayValue?[1]["name"]?.stringValue }
            #expect(hostEnds.count == 2)
            let routes = try bed.ipJSON(in: bed.host, ["ip", "-j", "-6", "route", "show", "table", "all"])
            for hostEnd in hostEnds {
                let value = try bed.shell(bed.host, ["sysctl", "-n", "net.ipv6.conf.\(hostEnd).disable_ipv6"])
                #expect(value.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
                #expect(!routes.contains { $0["dev"]?.stringValue == hostEnd }, "a route names \(hostEnd): \(routes)")
            }
            #expect(routes.contains { $0["dev"]?.stringValue == "nsbkt0" && $0["dst"]?.stringValue == "fd66::/64" },
                    "the bridge keeps its IPv6 routes: \(routes)")
            #expect(try bed.ping(from: "c1", to: "fd66::3"), "container to container over IPv6")
            #expect(try bed.ping(from: "c1", to: "fd66::1"), "container to the host's gateway address over IPv6")
            #expect(try bed.ping(from: "c1", to: "10.66.0.3"), "container to container over IPv4")
            let c1 = try bed.container("c1")
            #expect(try bed.invoke("CHECK", BridgeTestbed.with(prevResult: first, config), netns: c1.path).status == 0)
            for id in ["c1", "c2"] { #expect(try bed.invoke("DEL", config, containerID: id, netns: "").status == 0) }
            #expect(bed.reservations().isEmpty)
        }
    }
}
