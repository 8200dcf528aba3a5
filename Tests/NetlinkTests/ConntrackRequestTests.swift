import CNIProtocol
import CNITestSupport
import Netlink
import Testing

@Suite("Conntrack requests (golden bytes)")
struct ConntrackRequestTests {
    /// A dumped entry 198.51.100.2:40000 -> 198.51.100.1:<port>, as `IPCTNL_MSG_CT_NEW`.
    static func entry(_ protocolNumber: UInt8, _ port: UInt16) -> [UInt8] {
        Canned.message(type: 0x0100, [2, 0, 0, 0] + Canned.nest(
            1,
            Canned.nest(1, Canned.attribute(1, [198, 51, 100, 2]), Canned.attribute(2, [198, 51, 100, 1])),
            Canned.nest(2, Canned.attribute(1, [protocolNumber]), Canned.attribute(2, [0x9c, 0x40]),
                        Canned.attribute(3, [UInt8(port >> 8), UInt8(port & 0xff)]))))
    }

    @Test("Only the UDP entries to the mapped port are deleted, each by its original tuple")
    func deleteMatching() throws {
        let transport = RecordingNetlinkTransport(replies: [.messages([Self.entry(17, 5353), Self.entry(6, 5353), Self.entry(17, 53)]), .ack])
        // conntrack -D -f ipv4 -p udp --orig-port-dst 5353
        let deleted = try ConntrackNetlink(transport: transport)
            .deleteEntries(family: .v4, matching: [.init(protocolNumber: 17, destinationPort: 5353)])
        #expect(deleted == 1)
        #expect(transport.requests.count == 2)
        // conntrack -L -f ipv4 -p udp --orig-port-dst 5353: the kernel lists only those entries
        // (this fake answers with others too, as a kernel without CTA_FILTER would).
        expectBytes(transport.requests.first, """
            40000000 0101 0103 01000000 00000000  // nlmsghdr: len 64, IPCTNL_MSG_CT_GET, REQUEST|DUMP, seq 1
            02 00 0000                            // nfgenmsg: AF_INET, NFNETLINK_V0, res_id 0
            1800 0180                             // CTA_TUPLE_ORIG (nested)
              1400 0280                           //   CTA_TUPLE_PROTO (nested)
                0500 0100 11000000                //     CTA_PROTO_NUM 17 (udp)
                0600 0300 14e90000                //     CTA_PROTO_DST_PORT 5353
            1400 1980                             // CTA_FILTER (nested)
              0800 0100 28000000                  //   CTA_FILTER_ORIG_FLAGS: PROTO_NUM | PROTO_DST_PORT
              0800 0200 00000000                  //   CTA_FILTER_REPLY_FLAGS: none
            """)
        expectBytes(transport.requests.last, """
            48000000 0201 0500 02000000 00000000  // nlmsghdr: len 72, IPCTNL_MSG_CT_DELETE, REQUEST|ACK, seq 2
            02 00 0000                            // nfgenmsg: AF_INET, NFNETLINK_V0, res_id 0
            3400 0180                             // CTA_TUPLE_ORIG (nested), 52 bytes
              1400 0180                           //   CTA_TUPLE_IP (nested)
                0800 0100 c6336402                //     CTA_IP_V4_SRC 198.51.100.2
                0800 0200 c6336401                //     CTA_IP_V4_DST 198.51.100.1
              1c00 0280                           //   CTA_TUPLE_PROTO (nested)
                0500 0100 11000000                //     CTA_PROTO_NUM 17 (udp)
                0600 0200 9c400000                //     CTA_PROTO_SRC_PORT 40000
                0600 0300 14e90000                //     CTA_PROTO_DST_PORT 5353
            """)
    }

    @Test("A mapping with a host address lists only the flows to that address; one dump per selector")
    func filterByDestination() throws {
        let transport = RecordingNetlinkTransport(replies: [.messages([]), .messages([])])
        // conntrack -L -f ipv4 -p udp --orig-port-dst 5353 --orig-dst 192.0.2.1, then the same for tcp 8080
        let deleted = try ConntrackNetlink(transport: transport).deleteEntries(family: .v4, matching: [
            .init(protocolNumber: 17, destinationPort: 5353, destination: IPAddress("192.0.2.1")),
            .init(protocolNumber: 6, destinationPort: 8080),
        ])
        #expect(deleted == 0)
        #expect(transport.requests.count == 2)
        expectBytes(transport.requests.first, """
            4c000000 0101 0103 01000000 00000000  // nlmsghdr: len 76, IPCTNL_MSG_CT_GET, REQUEST|DUMP, seq 1
            02 00 0000                            // nfgenmsg: AF_INET, NFNETLINK_V0, res_id 0
            2400 0180                             // CTA_TUPLE_ORIG (nested)
              0c00 0180                           //   CTA_TUPLE_IP (nested)
                0800 0200 c0000201                //     CTA_IP_V4_DST 192.0.2.1
              1400 0280                           //   CTA_TUPLE_PROTO (nested)
                0500 0100 11000000                //     CTA_PROTO_NUM 17 (udp)
                0600 0300 14e90000                //     CTA_PROTO_DST_PORT 5353
            1400 1980                             // CTA_FILTER (nested)
              0800 0100 2a000000                  //   CTA_FILTER_ORIG_FLAGS: IP_DST | PROTO_NUM | PROTO_DST_PORT
              0800 0200 00000000                  //   CTA_FILTER_REPLY_FLAGS: none
            """)
    }

    @Test("An entry that vanished before its deletion is not an error; nothing is asked without selectors")
    func vanishedEntry() throws {
        let transport = RecordingNetlinkTransport(replies: [.messages([Self.entry(17, 5353)]), .error(2)])
        let conntrack = ConntrackNetlink(transport: transport)
        #expect(try conntrack.deleteEntries(family: .v4, matching: [.init(protocolNumber: 17, destinationPort: 5353)]) == 0)
        #expect(try conntrack.deleteEntries(family: .v4, matching: []) == 0)
        #expect(transport.requests.count == 2)
    }
}
