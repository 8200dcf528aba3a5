import CNITestSupport
import Netlink
import Testing

@Suite("Traffic control replies")
struct TrafficControlReadingTests {
    /// `struct tcmsg` (20 bytes).
    static func tcmsg(index: Int32, handle: UInt32, parent: UInt32, info: UInt32 = 0) -> [UInt8] {
        [0, 0, 0, 0] + Canned.le32(UInt32(bitPattern: index)) + Canned.le32(handle) + Canned.le32(parent) + Canned.le32(info)
    }

    /// `struct tc_tbf_qopt` with only the rate, limit and buffer set.
    static func tbfParameters(rate: UInt32, limit: UInt32, buffer: UInt32) -> [UInt8] {
        [0, 1, 0, 0, 0, 0, 0, 0] + Canned.le32(rate) + [UInt8](repeating: 0, count: 12)
            + Canned.le32(limit) + Canned.le32(buffer) + Canned.le32(0)
    }

    @Test("qdisc(ofLink:at:) asks for one parent and reads a tbf's rate, limit and buffer")
    func readTokenBucket() throws {
        let reply = Canned.message(type: 36, Self.tcmsg(index: 7, handle: 0x0001_0000, parent: 0xFFFF_FFFF)
            + Canned.string(1, "tbf")
            + Canned.nest(2, Canned.attribute(1, Self.tbfParameters(rate: 1_250_000, limit: 43_750, buffer: 156_251))))
        let transport = RecordingNetlinkTransport(replies: [.messages([reply])])
        // tc qdisc show dev 7 root (one device, one parent: no dump)
        let qdisc = try RouteNetlink(transport: transport).qdisc(ofLink: 7, at: .root)
        expectBytes(transport.requests.first, """
            24000000 2600 0d00 01000000 00000000  // nlmsghdr: len 36, RTM_GETQDISC, REQUEST|ACK|ECHO, seq 1
            00 00 0000 07000000 00000000 ffffffff 00000000 // tcmsg: index 7, parent root
            """)
        let reading = try #require(qdisc?.tokenBucket)
        #expect(qdisc?.kind == "tbf" && qdisc?.handle == 0x0001_0000)
        #expect(reading == TokenBucketReading(rateBytesPerSecond: 1_250_000, limitBytes: 43_750, bufferTicks: 156_251))
        let bucket = TokenBucket(rateBytesPerSecond: 1_250_000, burstBytes: 12_500, limitBytes: 43_750)
        #expect(bucket.isEquivalent(to: reading))
        #expect(!TokenBucket(rateBytesPerSecond: 1_250_000, burstBytes: 25_000, limitBytes: 43_750).isEquivalent(to: reading))
        #expect(!TokenBucket(rateBytesPerSecond: 1_250_001, burstBytes: 12_500, limitBytes: 43_750).isEquivalent(to: reading))
        #expect(!TokenBucket(rateBytesPerSecond: 1_250_000, burstBytes: 12_500, limitBytes: 43_751).isEquivalent(to: reading))
    }

    @Test("a rate in TCA_TBF_RATE64 replaces the saturated 32-bit one")
    func readTokenBucket64() throws {
        let reply = Canned.message(type: 36, Self.tcmsg(index: 7, handle: 0x0001_0000, parent: 0xFFFF_FFFF)
            + Canned.string(1, "tbf")
            + Canned.nest(2, Canned.attribute(1, Self.tbfParameters(rate: .max, limit: 1, buffer: 3125)),
                          Canned.attribute(4, Canned.le32(705_032_704) + Canned.le32(1))))
        let transport = RecordingNetlinkTransport(replies: [.messages([reply])])
        let qdisc = try RouteNetlink(transport: transport).qdisc(ofLink: 7, at: .root)
        #expect(qdisc?.tokenBucket?.rateBytesPerSecond == 5_000_000_000)
    }

    @Test("no ingress qdisc (ENOENT) reads as nil")
    func missingQdisc() throws {
        let transport = RecordingNetlinkTransport(replies: [.error(2)])
        #expect(try RouteNetlink(transport: transport).qdisc(ofLink: 7, at: .ingress) == nil)
        expectBytes(transport.requests.first, """
            24000000 2600 0d00 01000000 00000000  // nlmsghdr: len 36, RTM_GETQDISC, REQUEST|ACK|ECHO, seq 1
            00 00 0000 07000000 00000000 f1ffffff 00000000 // tcmsg: index 7, parent ingress
            """)
    }

    @Test("ingressRedirectTargets dumps the device's ingress filters and reads mirred's ifindex")
    func readRedirects() throws {
        let mirred = Canned.le32(0) + Canned.le32(0) + Canned.le32(4) + Canned.le32(1) + Canned.le32(1)
            + Canned.le32(1) + Canned.le32(9)
        let action = Canned.nest(1, Canned.string(1, "mirred"), Canned.nest(2, Canned.attribute(2, mirred)))
        let filter = Canned.message(type: 44, Self.tcmsg(index: 7, handle: 0x8000_0800, parent: 0xFFFF_0000, info: 0x0001_0300)
            + Canned.string(1, "u32") + Canned.nest(2, Canned.nest(7, action)))
        // The u32 hash-table entry the kernel lists first has no actions.
        let table = Canned.message(type: 44, Self.tcmsg(index: 7, handle: 0x8000_0000, parent: 0xFFFF_0000, info: 0x0001_0300)
            + Canned.string(1, "u32") + Canned.nest(2, Canned.u32(4, 1)))
        let transport = RecordingNetlinkTransport(replies: [.messages([table, filter])])
        // tc filter show dev 7 ingress
        #expect(try RouteNetlink(transport: transport).ingressRedirectTargets(ofLink: 7) == [9])
        expectBytes(transport.requests.first, """
            24000000 2e00 0103 01000000 00000000  // nlmsghdr: len 36, RTM_GETTFILTER, REQUEST|DUMP, seq 1
            00 00 0000 07000000 00000000 0000ffff 00000000 // tcmsg: index 7, parent ffff:
            """)
    }
}
