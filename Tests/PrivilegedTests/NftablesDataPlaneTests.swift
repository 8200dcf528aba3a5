import CNIProtocol
import Foundation
import Nftables
import Testing

/// A small world of namespaces: two "containers" on a bridge in a "host", and an "outside"
/// reachable only through the host's uplink, with no route back to the container subnet.
private final class BridgeWorld {
    let host: TestNamespace
    let outside: TestNamespace
    let containers: [TestNamespace]
    static let macs = ["02:77:00:00:00:02", "02:77:00:00:00:03"]

    init() throws {
        host = try TestNamespace("h")
        outside = try TestNamespace("o")
        containers = [try TestNamespace("c0"), try TestNamespace("c1")]
        try host.exec(["ip", "link", "add", "br0", "type", "bridge"])
        try host.exec(["ip", "addr", "add", "10.77.0.1/24", "dev", "br0"])
        try host.exec(["ip", "link", "set", "br0", "up"])
        try host.exec(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        for (index, container) in containers.enumerated() {
            try host.exec(["ip", "link", "add", "vh\(index)", "type", "veth", "peer", "name", "eth0", "netns", container.name])
            try host.exec(["ip", "link", "set", "vh\(index)", "master", "br0", "up"])
            try container.exec(["ip", "link", "set", "eth0", "address", Self.macs[index], "up"])
            try container.exec(["ip", "addr", "add", "10.77.0.\(index + 2)/24", "dev", "eth0"])
            try container.exec(["ip", "route", "add", "default", "via", "10.77.0.1"])
        }
        try host.exec(["ip", "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", outside.name])
        try host.exec(["ip", "addr", "add", "198.51.100.1/24", "dev", "up0"])
        try host.exec(["ip", "link", "set", "up0", "up"])
        try outside.exec(["ip", "addr", "add", "198.51.100.2/24", "dev", "eth0"])
        try outside.exec(["ip", "link", "set", "eth0", "up"])
    }

    func ping(from container: Int, _ address: String) throws -> Bool {
        let output = try containers[container].exec(["ping", "-n", "-c", "1", "-W", "1", address], allowFailure: true)
        return output.contains(" 0% packet loss")
    }

    /// Counts packets arriving in `namespace` from `source` (an nft counter in its input hook).
    func countArrivals(in namespace: TestNamespace, from source: String) throws {
        try namespace.exec(["nft", "add table ip nsbt; add chain ip nsbt in { type filter hook input priority 0; }; "
                            + "add rule ip nsbt in ip saddr \(source) icmp type echo-request counter"])
    }

    func arrivals(in namespace: TestNamespace) throws -> Int {
        let text = try namespace.exec(["nft", "list", "chain", "ip", "nsbt", "in"])
        guard let range = text.range(of: "packets ") else { return 0 }
        return Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }
}

@Suite(.serialized, .enabled(if: canRunNftablesKernelTests, "needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN) for throwaway network namespaces"))
struct NftablesDataPlaneTests {
    @Test("Masqueraded traffic reaches the outside as the host and replies come back; container-to-container is not masqueraded")
    func masqueradeDataPlane() throws {
        let world = try BridgeWorld()
        #expect(try !world.ping(from: 0, "198.51.100.2"), "without masquerade the outside cannot answer")
        try world.host.enter {
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            for index in 0..<2 {
                try firewall.add(network: "dp", attachment: Attachment(containerID: "c\(index)", ifName: "eth0"),
                                 addresses: [.v4(0x0a4d_0002 + UInt32(index))], subnets: [IPNetwork("10.77.0.0/24")!])
            }
        }
        try world.countArrivals(in: world.outside, from: "198.51.100.1")
        #expect(try world.ping(from: 0, "198.51.100.2"))
        #expect(try world.arrivals(in: world.outside) == 1, "arrived with the host's address")

        try world.countArrivals(in: world.containers[1], from: "10.77.0.2")
        #expect(try world.ping(from: 0, "10.77.0.3"))
        #expect(try world.arrivals(in: world.containers[1]) == 1, "arrived with the container's own address")
    }

    @Test("A frame with a spoofed source MAC is dropped; the real MAC passes again")
    func macSpoofCheck() throws {
        let world = try BridgeWorld()
        try world.host.enter {
            let check = MACSpoofCheck(transport: try MNLNftablesTransport())
            for index in 0..<2 {
                try check.add(network: "dp", attachment: Attachment(containerID: "c\(index)", ifName: "eth0"),
                              hostInterface: "vh\(index)", mac: BridgeWorld.macs[index])
            }
            try check.check(network: "dp", attachment: Attachment(containerID: "c0", ifName: "eth0"),
                            hostInterface: "vh0", mac: BridgeWorld.macs[0])
        }
        #expect(try world.ping(from: 0, "10.77.0.3"))
        try world.containers[0].exec(["ip", "link", "set", "eth0", "address", "02:77:00:00:00:99"])
        #expect(try !world.ping(from: 0, "10.77.0.3"), "spoofed MAC must be dropped")
        try world.containers[0].exec(["ip", "link", "set", "eth0", "address", BridgeWorld.macs[0]])
        #expect(try world.ping(from: 0, "10.77.0.3"))

        try world.host.enter {
            let check = MACSpoofCheck(transport: try MNLNftablesTransport())
            try check.remove(network: "dp", attachment: Attachment(containerID: "c0", ifName: "eth0"))
            try check.remove(network: "dp", attachment: Attachment(containerID: "c1", ifName: "eth0"),
                             hostInterface: "vh1", mac: BridgeWorld.macs[1])
        }
        let after = try world.host.listTable("bridge", "nsbridge")
        #expect(objects("chain", in: after).isEmpty && objects("set", in: after).isEmpty && objects("map", in: after).isEmpty)
        try world.containers[0].exec(["ip", "link", "set", "eth0", "address", "02:77:00:00:00:99"])
        #expect(try world.ping(from: 0, "10.77.0.3"), "no spoof check once removed")
    }
}
