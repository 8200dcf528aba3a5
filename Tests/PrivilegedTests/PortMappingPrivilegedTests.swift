import CNIProtocol
import CNITestSupport
import Foundation
import Testing

typealias World = PortMappingWorld

@Suite(
    "Port mappings through the real binary and kernel",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct PortMappingPrivilegedTests {
    static let mappings = [goMapping(8080, 80, "tcp"), goMapping(8080, 80, "udp")]

    @Test("tcp and udp, IPv4 and IPv6: from outside, from the host (own addresses, 127.0.0.1), from a neighbour, and hairpin",
          arguments: ["tcp", "udp"])
    func reachability(transport: String) throws {
        try withTestbed { bed in
            let world = try World(bed)
            let a = try bed.add(world.config(mappings: Self.mappings), containerID: "a")
            _ = try bed.add(world.config(mappings: []), containerID: "b")
            let server = try PortEchoServer(in: try bed.container("a"), tag: "A", port: 80)
            defer { server.stop() }
            let gatewayV4 = World.gatewayV4, gatewayV6 = World.gatewayV6
            let cases: [(String, ThrowawayNetworkNamespace, String, String?)] = [
                ("outside", world.outside, World.hostV4, World.outsideV4),
                ("outside", world.outside, World.hostV6, World.outsideV6),
                ("host", bed.host, World.hostV4, nil), ("host", bed.host, gatewayV4, nil),
                ("host", bed.host, "127.0.0.1", gatewayV4), ("host", bed.host, World.hostV6, nil),
                ("neighbour", try bed.container("b"), World.hostV4, gatewayV4),
                ("neighbour", try bed.container("b"), gatewayV6, gatewayV6),
                ("hairpin", try bed.container("a"), gatewayV4, gatewayV4),
                ("hairpin", try bed.container("a"), World.hostV6, gatewayV6),
            ]
            #expect(World.address(a, v6: true) != nil, "dual-stack container")
            for (from, namespace, destination, seenSource) in cases {
                let answer = world.probe(from: namespace, transport, destination, 8080)
                #expect(answer.hasPrefix("A "), "\(transport) \(from) -> \(destination):8080 answered \(answer)")
                if let seenSource {
                    #expect(answer == "A \(seenSource)", "\(from) -> \(destination): source seen by the container")
                }
            }
            #expect(world.probe(from: world.outside, transport, World.hostV4, 8081).hasPrefix("FAIL"), "unmapped port")
        }
    }

    @Test("hostIP restricts a mapping to that address; other host addresses do not map")
    func hostIPHonoured() throws {
        try withTestbed { bed in
            let world = try World(bed)
            _ = try bed.add(world.config(mappings: [goMapping(8080, 80, "tcp", hostIP: World.hostV4)]), containerID: "a")
            let server = try PortEchoServer(in: try bed.container("a"), tag: "A", port: 80)
            defer { server.stop() }
            #expect(world.probe(from: world.outside, "tcp", World.hostV4, 8080) == "A \(World.outsideV4)")
            #expect(probePort(from: world.outside, "tcp", World.otherHostV4, 8080).hasPrefix("FAIL"))
            #expect(probePort(from: world.outside, "tcp", World.hostV6, 8080).hasPrefix("FAIL"), "an IPv4 hostIP maps no IPv6")
        }
    }

    @Test("A host port held on another nsbridge network fails ADD with code 105 naming the holder, leaving nothing behind")
    func conflict() throws {
        try withTestbed { bed in
            let world = try World(bed)
            _ = try bed.add(world.config(mappings: [goMapping(8080, 80)]), containerID: "a")
            let before = try world.mappingElements()
            let other = world.config(name: "kt2", bridge: "nsbkt1", subnets: ("10.67.0.0/24", "fd67::/64"),
                                     mappings: [goMapping(9090, 90), goMapping(8080, 81)])
            let outcome = try bed.invoke("ADD", other, containerID: "b", netns: try bed.container("b").path)
            #expect(outcome.status == 1)
            #expect(outcome.json?["code"]?.integerValue == 105)
            let message = outcome.json?["msg"]?.stringValue ?? ""
            #expect(message.contains("tcp 8080") && message.contains("net: kt") && message.contains("id: a") && message.contains("if: eth0"),
                    "names the holder: \(message)")
            #expect(try world.mappingElements() == before, "no element of b, not even its free port 9090")
            #expect(bed.reservations(network: "kt2").isEmpty)
            let veths = try bed.hostLinkNames().filter { $0.hasPrefix("veth") }
            #expect(veths.count == 1, "only a's host veth remains: \(veths)")
        }
    }

    @Test("UDP: conntrack entries of the host port are deleted on ADD, so a flow re-targets the new container")
    func udpFlowRetargets() throws {
        try withTestbed { bed in
            let world = try World(bed)
            let mapping = [goMapping(5353, 53, "udp")]
            _ = try bed.add(world.config(mappings: mapping), containerID: "a")
            let serverA = try PortEchoServer(in: try bed.container("a"), tag: "A", port: 53)
            #expect(world.probe(from: world.outside, "udp", World.hostV4, 5353, sourcePort: 40000) == "A \(World.outsideV4)")
            serverA.stop()
            let deleted = try bed.invoke("DEL", world.config(mappings: mapping), containerID: "a", netns: try bed.container("a").path)
            #expect(deleted.status == 0, "\(deleted)")
            // A datagram while nothing is mapped leaves a conntrack entry without DNAT.
            _ = probePort(from: world.outside, "udp", World.hostV4, 5353, sourcePort: 40000)
            _ = try bed.add(world.config(mappings: mapping), containerID: "b")
            let serverB = try PortEchoServer(in: try bed.container("b"), tag: "B", port: 53)
            defer { serverB.stop() }
            #expect(probePort(from: world.outside, "udp", World.hostV4, 5353, sourcePort: 40000) == "B \(World.outsideV4)")
        }
    }

    @Test("DEL with an empty CNI_NETNS, no prevResult and no runtimeConfig removes the attachment's mappings by owner")
    func deleteWithoutNamespace() throws {
        try withTestbed { bed in
            let world = try World(bed)
            _ = try bed.add(world.config(mappings: [goMapping(8080, 80), goMapping(8053, 53, "udp")]), containerID: "a")
            _ = try bed.add(world.config(mappings: [goMapping(9090, 90)]), containerID: "b")
            let rules = try world.ruleCount()
            for _ in 0..<2 {
                let outcome = try bed.invoke("DEL", world.config(mappings: nil), containerID: "a", netns: "")
                #expect(outcome.status == 0, "\(outcome)")
            }
            let left = try world.mappingElements()
            #expect(!left.contains("id: a"), "a's elements are gone: \(left)")
            #expect(left.contains("id: b") && left.contains("9090"), "b keeps its mapping")
            #expect(try world.ruleCount() == rules, "rule count does not change with attachments")
        }
    }

    @Test("After nft flush ruleset, CHECK names what is missing and the next ADD restores the objects")
    func flushRulesetThenAdd() throws {
        try withTestbed { bed in
            let world = try World(bed)
            let config = world.config(mappings: [goMapping(8080, 80)])
            let result = try bed.add(config, containerID: "a")
            try bed.shell(bed.host, ["nft", "flush", "ruleset"])
            let check = try bed.invoke("CHECK", BridgeTestbed.with(prevResult: result, config), containerID: "a",
                                       netns: try bed.container("a").path)
            #expect(check.status == 1)
            #expect(check.stdoutText.contains("nsb-portmap-dnat") && check.stdoutText.contains("tcp 8080"), "\(check.stdoutText)")
            _ = try bed.add(world.config(mappings: [goMapping(9090, 80)]), containerID: "b")
            let server = try PortEchoServer(in: try bed.container("b"), tag: "B", port: 80)
            defer { server.stop() }
            #expect(world.probe(from: world.outside, "tcp", World.hostV4, 9090) == "B \(World.outsideV4)")
        }
    }

    @Test("Without the capability declared, runtimeConfig.portMappings programs nothing")
    func capabilityRequired() throws {
        try withTestbed { bed in
            let world = try World(bed)
            _ = try bed.add(world.config(mappings: [goMapping(8080, 80)], capability: false), containerID: "a")
            let table = (try? bed.shell(bed.host, ["nft", "list", "table", "inet", "nsbridge"])) ?? ""
            #expect(!table.contains("nsb-portmap"), "no port-mapping objects: \(table)")
        }
    }

    @Test("SCTP mappings", .disabled("this kernel has no SCTP (CONFIG_IP_SCTP is off), so no SCTP flow can be sent"))
    func sctp() {}
}
