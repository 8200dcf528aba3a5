import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// The binary on a host whose iptables-nft `FORWARD` policy is DROP, as Docker leaves it, all
/// inside a throwaway "host" namespace with an "outside" namespace behind an uplink.
@Suite(
    "Forwarding acceptance against iptables-nft's FORWARD DROP (throwaway namespaces)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces && FileManager.default.isExecutableFile(atPath: "/usr/sbin/iptables-nft"),
             "\(Privileges.networkNamespaceRequirement), and iptables-nft")
)
struct ForwardingAcceptanceKernelTests {
    static let jumpLine = #"-A FORWARD -m comment --comment "nsbridge: accept forwarding for nsbridge networks" -j NSBRIDGE-FORWARD"#

    /// `up0` in the host (198.51.100.1) to `eth0` in the outside namespace (198.51.100.2).
    private func connectOutside(_ bed: BridgeTestbed) throws -> ThrowawayNetworkNamespace {
        let outside = try bed.container("outside")
        let name = try #require(outside.name)
        try bed.shell(bed.host, ["ip", "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", name])
        try bed.shell(bed.host, ["ip", "addr", "add", "198.51.100.1/24", "dev", "up0"])
        try bed.shell(bed.host, ["ip", "link", "set", "up0", "up"])
        try bed.shell(outside, ["ip", "addr", "add", "198.51.100.2/24", "dev", "eth0"])
        try bed.shell(outside, ["ip", "link", "set", "eth0", "up"])
        return outside
    }

    /// What Docker leaves behind: DROP policies and a chain of its own jumped to from FORWARD.
    private func dockerLikeFirewall(_ bed: BridgeTestbed) throws -> String {
        for tool in ["iptables-nft", "ip6tables-nft"] {
            try bed.shell(bed.host, [tool, "-P", "FORWARD", "DROP"])
            try bed.shell(bed.host, [tool, "-N", "DOCKER-USER"])
            try bed.shell(bed.host, [tool, "-A", "FORWARD", "-j", "DOCKER-USER"])
        }
        return try iptablesListing(bed)
    }

    /// `iptables-nft -S` and `ip6tables-nft -S`, which fail on a table they cannot decode.
    private func iptablesListing(_ bed: BridgeTestbed) throws -> String {
        let listing = try bed.shell(bed.host, ["iptables-nft", "-S"]) + bed.shell(bed.host, ["ip6tables-nft", "-S"])
        _ = try bed.shell(bed.host, ["iptables-nft-save"])
        #expect(!listing.contains("incompatible"), "\(listing)")
        return listing
    }

    @Test("Containers reach the outside and published ports work through FORWARD DROP; iptables still lists; the last DEL restores it exactly")
    func forwardDrop() throws {
        try withTestbed { bed in
            let outside = try connectOutside(bed)
            let before = try dockerLikeFirewall(bed)
            let config = bed.config(["isDefaultGateway": true, "ipMasq": true])
            let first = try bed.add(config, containerID: "c1")
            #expect(try bed.ping(from: "c1", to: "198.51.100.2"), "container to outside and back")

            let listing = try iptablesListing(bed)
            let forward = listing.split(separator: "\n").filter { $0.hasPrefix("-A FORWARD") }
            #expect(forward.first.map(String.init) == Self.jumpLine, "our jump comes first:\n\(listing)")
            #expect(forward.contains("-A FORWARD -j DOCKER-USER"), "Docker's rule is kept")
            #expect(listing.contains("-A NSBRIDGE-FORWARD -o nsbkt0 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT"), "\(listing)")

            try expectPublishedPortWorks(bed, outside: outside)
            try expectRepairAfterRemoval(bed, config: config, first: first)

            for id in ["c1", "c2"] {
                #expect(try bed.invoke("DEL", config, containerID: id, netns: "").status == 0)
            }
            #expect(try iptablesListing(bed) == before, "the last DEL removes our jump and chains, nothing else")
            #expect(try !bed.shell(bed.host, ["nft", "list", "ruleset"]).contains("-fwd"), "membership map gone")
        }
    }

    /// A DNAT someone made (as a port mapping does) to c1:8080 is reachable from outside.
    private func expectPublishedPortWorks(_ bed: BridgeTestbed, outside: ThrowawayNetworkNamespace) throws {
        try bed.shell(bed.host, ["nft", "add table ip nsbkt-dnat; add chain ip nsbkt-dnat pre { type nat hook prerouting priority dstnat; }; "
                                 + "add rule ip nsbkt-dnat pre tcp dport 8080 dnat to 10.66.0.2:8080"])
        defer { _ = try? bed.shell(bed.host, ["nft", "delete", "table", "ip", "nsbkt-dnat"]) }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        // The server gives up by itself: signals may be blocked in processes the test runner spawns.
        server.arguments = ["--net=\(try bed.container("c1").path)", "python3", "-c",
                            "import socket;s=socket.socket();s.settimeout(8);s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);"
                            + "s.bind(('0.0.0.0',8080));s.listen(1);c,_=s.accept();c.sendall(b'published');c.close()"]
        try server.run()
        defer { server.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.5)
        let reply = try bed.shell(outside, ["python3", "-c", "import socket;s=socket.create_connection(('198.51.100.1',8080),timeout=5);"
                                            + "print(s.recv(100).decode())"])
        #expect(reply.contains("published"))
    }

    /// Without our jump the DROP policy wins, CHECK says so, and the next ADD puts it back.
    private func expectRepairAfterRemoval(_ bed: BridgeTestbed, config: JSONValue, first: JSONValue) throws {
        try bed.shell(bed.host, ["iptables-nft", "-D", "FORWARD", "1"])
        #expect(try !bed.ping(from: "c1", to: "198.51.100.2"), "the host's DROP policy applies without our jump")
        let check = try bed.invoke("CHECK", BridgeTestbed.with(prevResult: first, config), containerID: "c1",
                                   netns: bed.container("c1").path)
        #expect(check.status != 0 && "\(check)".contains("NSBRIDGE-FORWARD"), "\(check)")
        _ = try bed.add(config, containerID: "c2")
        #expect(try bed.ping(from: "c1", to: "198.51.100.2"), "restored by the next ADD")
    }

    @Test("On a host without iptables' tables nothing is added to them, and nothing is recorded")
    func noIptablesTables() throws {
        try withTestbed { bed in
            let config = bed.config(["isGateway": true])
            let result = try bed.add(config, containerID: "c1")
            let tables = try bed.shell(bed.host, ["nft", "list", "tables"])
            #expect(!tables.contains("filter"), "\(tables)")
            #expect(!tables.contains("nsbridge"), "no membership when nothing needs it: \(tables)")
            let check = try bed.invoke("CHECK", BridgeTestbed.with(prevResult: result, config), containerID: "c1",
                                       netns: bed.container("c1").path)
            #expect(check.status == 0, "\(check)")
            #expect(try bed.invoke("DEL", config, containerID: "c1", netns: "").status == 0)
            #expect(try bed.shell(bed.host, ["nft", "list", "tables"]).isEmpty)
        }
    }
}
