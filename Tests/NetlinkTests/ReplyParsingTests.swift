import CNIProtocol
import CNITestSupport
import Glibc
import Netlink
import Testing

@Suite("Decoding kernel replies")
struct ReplyParsingTests {
    /// An RTM_NEWLINK reply for the host end of a veth, laid out as the kernel sends it
    /// (sequence and port id are stamped by the recording transport).
    static let vethReply = NetlinkHex.bytes("""
        84000000 1000 0000 00000000 00000000  // nlmsghdr: len 132, RTM_NEWLINK
        00 00 0100 05000000 43100100 00000000 // ifinfomsg: index 5, type ether, flags UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP
        0d00 0300 7665746831613262 00000000   // IFLA_IFNAME "veth1a2b" + pad
        0800 0400 dc050000                    // IFLA_MTU 1500
        0a00 0100 0a580a010005 0000           // IFLA_ADDRESS 0a:58:0a:01:00:05 + pad
        0500 1000 06000000                    // IFLA_OPERSTATE 6 (UP) + pad
        0800 0a00 03000000                    // IFLA_MASTER 3
        0800 0500 02000000                    // IFLA_LINK 2 (peer index in its namespace)
        0800 2500 00000000                    // IFLA_LINK_NETNSID 0
        0800 1e00 00000000                    // IFLA_PROMISCUITY 0
        1000 1280                             // IFLA_LINKINFO (nested)
          0900 0100 7665746800000000          //   IFLA_INFO_KIND "veth" + pad
        0800 1b00 01000000                    // IFLA_NUM_TX_QUEUES (ignored)
        """)

    @Test("a link reply decodes name, kind, MAC, MTU, state, master, peer and netns id")
    func linkReply() throws {
        let transport = RecordingNetlinkTransport(replies: [.messages([Self.vethReply])])
        let link = try #require(try RouteNetlink(transport: transport).link(index: 5))
        #expect(link.index == 5 && link.name == "veth1a2b" && link.kind == "veth")
        #expect(link.macString == "0a:58:0a:01:00:05" && link.mtu == 1500)
        #expect(link.isUp && link.operationalState == .up && !link.isPromiscuous)
        #expect(link.masterIndex == 3 && link.linkIndex == 2 && link.linkNamespaceID == 0)
        #expect(link.bridgeVLANFiltering == nil)
    }

    @Test("a dump gathers every message until NLMSG_DONE and skips stale replies to other requests")
    func dumpSkipsStaleMessages() throws {
        let port = Canned.le32(0x4242)
        func stamped(_ message: [UInt8], sequence: UInt32) -> [UInt8] {
            Array(message[0..<8]) + Canned.le32(sequence) + port + Array(message[16...])
        }
        let lo = Canned.message(type: 16, Canned.ifinfomsg(index: 1) + Canned.string(3, "lo"))
        let bridge = Canned.message(type: 16, Canned.ifinfomsg(index: 3) + Canned.string(3, "br0")
            + Canned.nest(18, Canned.string(1, "bridge"), Canned.nest(2, Canned.attribute(7, [1]))))
        let done = Canned.message(type: 3, flags: 2, Canned.le32(0))
        let transport = RecordingNetlinkTransport(replies: [.datagrams([
            stamped(lo, sequence: 99) + stamped(done, sequence: 99),  // left over from an abandoned request
            stamped(lo, sequence: 1) + stamped(bridge, sequence: 1),
            stamped(done, sequence: 1),
        ])])
        let links = try RouteNetlink(transport: transport).links()
        #expect(links.map(\.name) == ["lo", "br0"])
        #expect(links.last?.kind == "bridge" && links.last?.bridgeVLANFiltering == true)
    }

    @Test("a kernel error keeps errno, extended-ACK text and sequence, and names both veth ends")
    func errorMapping() throws {
        let transport = RecordingNetlinkTransport(replies: [.ack, .error(EEXIST, kernelMessage: "Interface name exists")])
        let links = RouteNetlink(transport: transport)
        try links.setUp(1)
        let error = #expect(throws: NetlinkError.self) { try links.addVethPair(name: "veth0", peerName: "eth0") }
        #expect(error?.isExists == true && error?.isNotFound == false)
        #expect(error?.errno == EEXIST && error?.sequenceNumber == 2)
        #expect(error?.kernelMessage == "Interface name exists")
        #expect(error?.operation.hasPrefix("RTM_NEWLINK veth veth0/eth0") == true)
        #expect(error?.description.hasSuffix("File exists (kernel: Interface name exists)") == true)
    }

    @Test("ENODEV, ENOENT, ESRCH and EADDRNOTAVAIL count as not found")
    func notFoundClassification() {
        for code in [ENODEV, ENOENT, ESRCH, EADDRNOTAVAIL] {
            #expect(NetlinkError("x", errno: code).isNotFound)
        }
        #expect(!NetlinkError("x", errno: EPERM).isNotFound)
    }

    @Test("a malformed datagram is a protocol error, not a crash")
    func malformedReply() {
        let transport = RecordingNetlinkTransport(replies: [.datagrams([[0xff, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0x42, 0x42, 0, 0]])])
        let error = #expect(throws: NetlinkError.self) { try RouteNetlink(transport: transport).setUp(1) }
        #expect(error?.errno == EPROTO)
    }

    @Test("bridge port replies decode hairpin, isolation and compressed VLAN ranges")
    func bridgePortReply() throws {
        let vlan = { (flags: UInt16, vid: UInt16) in Canned.attribute(2, Canned.le16(flags) + Canned.le16(vid)) }
        let port = Canned.message(type: 16, Canned.ifinfomsg(family: 7, index: 7) + Canned.string(3, "veth0")
            + Canned.u32(10, 3)
            + Canned.nest(12, Canned.attribute(4, [1]), Canned.attribute(33, [0]))
            + Canned.nest(26, vlan(0x6, 100), vlan(0x8, 200), vlan(0x10, 300)))
        let other = Canned.message(type: 16, Canned.ifinfomsg(family: 7, index: 8) + Canned.string(3, "veth1"))
        let transport = RecordingNetlinkTransport(replies: [.messages([other, port])])
        let info = try #require(try RouteNetlink(transport: transport).bridgePortInfo(index: 7))
        #expect(info.name == "veth0" && info.masterIndex == 3 && info.hairpin && !info.isolated)
        #expect(info.vlans == [BridgeVLAN(ids: 100...100, isPVID: true, isUntagged: true), BridgeVLAN(ids: 200...300)])
        #expect(info.vlans.map(\.description) == ["100 PVID Egress Untagged", "200-300"])
    }

    @Test("a route dump returns unicast routes of the requested table with all fields")
    func routeDump() throws {
        func rtmsg(dst: UInt8, table: UInt8, scope: UInt8, type: UInt8) -> [UInt8] {
            [2, dst, 0, 0, table, 3, scope, type] + Canned.le32(0)
        }
        let defaultRoute = Canned.message(type: 24, rtmsg(dst: 0, table: 254, scope: 0, type: 1)
            + Canned.u32(15, 254) + Canned.attribute(5, [10, 1, 0, 1]) + Canned.u32(4, 4) + Canned.u32(6, 50)
            + Canned.nest(8, Canned.u32(2, 1300)))
        let linkRoute = Canned.message(type: 24, rtmsg(dst: 24, table: 254, scope: 253, type: 1)
            + Canned.u32(15, 254) + Canned.attribute(1, [10, 1, 0, 0]) + Canned.u32(4, 4))
        let otherTable = Canned.message(type: 24, rtmsg(dst: 24, table: 100, scope: 253, type: 1)
            + Canned.u32(15, 100) + Canned.attribute(1, [10, 2, 0, 0]) + Canned.u32(4, 4))
        let local = Canned.message(type: 24, rtmsg(dst: 32, table: 254, scope: 254, type: 2)
            + Canned.u32(15, 254) + Canned.attribute(1, [10, 1, 0, 5]))
        let transport = RecordingNetlinkTransport(replies: [.messages([defaultRoute, linkRoute, otherTable, local])])
        let routes = try RouteNetlink(transport: transport).routes(family: .v4)
        #expect(routes == [
            RouteSpec(destination: try #require(IPNetwork("0.0.0.0/0")), gateway: IPAddress("10.1.0.1"),
                      outputInterface: 4, priority: 50, scope: .universe, mtu: 1300),
            RouteSpec(destination: try #require(IPNetwork("10.1.0.0/24")), outputInterface: 4, scope: .link),
        ])
        expectBytes(transport.requests.first, """
            1c000000 1a00 0103 01000000 00000000  // nlmsghdr: len 28, RTM_GETROUTE, REQUEST|DUMP, seq 1
            02 00 00 00 00 00 00 00 00000000      // rtmsg: AF_INET
            """)
    }

    @Test("an address dump keeps only the requested link, preferring IFA_LOCAL")
    func addressDump() throws {
        func ifaddrmsg(family: UInt8, prefix: UInt8, index: UInt32) -> [UInt8] { [family, prefix, 0, 0] + Canned.le32(index) }
        let v4 = Canned.message(type: 20, ifaddrmsg(family: 2, prefix: 24, index: 4)
            + Canned.attribute(1, [10, 1, 0, 9]) + Canned.attribute(2, [10, 1, 0, 5]))
        let v6 = Canned.message(type: 20, ifaddrmsg(family: 10, prefix: 64, index: 4)
            + Canned.attribute(1, [0xfd] + [UInt8](repeating: 0, count: 14) + [5]))
        let elsewhere = Canned.message(type: 20, ifaddrmsg(family: 2, prefix: 8, index: 1) + Canned.attribute(2, [127, 0, 0, 1]))
        let transport = RecordingNetlinkTransport(replies: [.messages([elsewhere, v4, v6])])
        let addresses = try RouteNetlink(transport: transport).addresses(of: 4)
        #expect(addresses == [try #require(IPNetwork("10.1.0.5/24")), try #require(IPNetwork("fd00::5/64"))])
    }

    @Test("waitUntilOperUp polls until the link reports UP, and fails if the link vanishes")
    func waitUntilUp() throws {
        func link(state: UInt8) -> [UInt8] {
            Canned.message(type: 16, Canned.ifinfomsg(index: 5, flags: 1) + Canned.string(3, "veth0") + Canned.attribute(16, [state]))
        }
        let transport = RecordingNetlinkTransport(replies: [.messages([link(state: 7 - 5)]), .messages([link(state: 6)])])
        let links = RouteNetlink(transport: transport)
        try links.waitUntilOperUp(index: 5, timeoutMilliseconds: 1000)
        #expect(links.roundTrips == 2)
        transport.replies = [.error(ENODEV)]
        let error = #expect(throws: NetlinkError.self) { try links.waitUntilOperUp(index: 5, timeoutMilliseconds: 1000) }
        #expect(error?.errno == ENODEV)
    }

    @Test("MAC addresses format and parse in lower-case colon form")
    func macFormatting() {
        #expect(LinkInfo.format(mac: [0x0a, 0xff, 0, 1, 0x10, 0xab]) == "0a:ff:00:01:10:ab")
        #expect(MACAddress("0A:FF:00:01:10:ab")?.bytes == [0x0a, 0xff, 0, 1, 0x10, 0xab])
        #expect(MACAddress("0a:ff:00:01:10") == nil)
        #expect(MACAddress("0a:ff:00:01:10:zz") == nil)
    }
}
