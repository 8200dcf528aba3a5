import CNIProtocol
import CNITestSupport
import Testing

/// `isolate` beside a port that the plugin itself publishes (`portMappings` capability): the
/// published connection is destination-NATed by the host, so it crosses from one isolated
/// network into another, while direct traffic between them stays dropped.
@Suite(
    "isolate with a port published through the portMappings capability (throwaway namespaces)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct TenancyPublishedPortTests {
    /// An isolated, masqueraded, dual-stack network publishing `mappings`.
    private func isolated(_ world: PortMappingWorld, name: String, bridge: String, octet: Int,
                          mappings: [JSONValue]) -> JSONValue {
        let ipam: JSONValue = [
            "type": "host-local", "dataDir": .string(world.bed.dataDirectory.path),
            "ranges": [[["subnet": .string("10.\(octet).0.0/24")]], [["subnet": .string("fd\(octet)::/64")]]],
        ]
        return world.bed.config(name: name, ipam: ipam, [
            "bridge": .string(bridge), "isGateway": true, "isDefaultGateway": true, "ipMasq": true, "isolate": true,
            "capabilities": ["portMappings": true], "runtimeConfig": ["portMappings": .array(mappings)],
        ])
    }

    @Test("B reaches A's published port through the host's addresses (IPv4 and IPv6); B to A directly stays dropped")
    func publishedPortCrossesIsolation() throws {
        try withTestbed { bed in
            let world = try PortMappingWorld(bed)
            let a = isolated(world, name: "kt", bridge: "nsbkt0", octet: 66, mappings: [goMapping(8080, 80)])
            let b = isolated(world, name: "kt2", bridge: "nsbkt1", octet: 67, mappings: [])
            let resultA = try bed.add(a, containerID: "a")
            _ = try bed.add(b, containerID: "b")
            let server = try PortEchoServer(in: try bed.container("a"), tag: "A", port: 80)
            defer { server.stop() }
            let containerB = try bed.container("b")
            let addressA = try #require(PortMappingWorld.address(resultA, v6: false))
            let addressA6 = try #require(PortMappingWorld.address(resultA, v6: true))

            // The host's uplink addresses, and its address on B's own bridge.
            for host in [PortMappingWorld.hostV4, PortMappingWorld.hostV6, "10.67.0.1"] {
                let answer = world.probe(from: containerB, "tcp", host, 8080)
                #expect(answer.hasPrefix("A "), "B to A's published port via \(host): \(answer)")
            }
            #expect(world.probe(from: world.outside, "tcp", PortMappingWorld.hostV4, 8080) == "A \(PortMappingWorld.outsideV4)")
            for direct in [addressA, addressA6] {
                let answer = probePort(from: containerB, "tcp", direct, 80)
                #expect(answer.hasPrefix("FAIL"), "B to A directly at \(direct): \(answer)")
            }
            #expect(try !bed.ping(from: "b", to: addressA), "B to A directly, ICMP")
            #expect(try !bed.ping(from: "a", to: "10.67.0.2"), "A to B directly, ICMP")

            for (config, id) in [(a, "a"), (b, "b")] {
                #expect(try bed.invoke("DEL", config, containerID: id, netns: "").status == 0)
            }
            #expect(try world.mappingElements().isEmpty)
            let left = try bed.shell(bed.host, ["nft", "list", "table", "inet", "nsbridge"])
            #expect(!left.contains("isolate") && !left.contains("-dst4"), "no isolation objects left: \(left)")
        }
    }
}
