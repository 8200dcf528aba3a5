import CNITestSupport
import Netlink
import Testing

@Suite("Traffic control requests (golden bytes)")
struct TrafficControlRequestTests {
    /// 10 Mbit/s with a 100 kbit burst and 25 ms of queue: 1 250 000 B/s, 12 500 B, 43 750 B.
    let tenMegabits = TokenBucket(rateBytesPerSecond: 1_250_000, burstBytes: 12_500, limitBytes: 43_750)

    @Test("addIfb creates an ifb, up, with the MTU")
    func addIfb() throws {
        let transport = RecordingNetlinkTransport()
        // ip link add name ifb1 mtu 1500 up type ifb
        try RouteNetlink(transport: transport).addIfb(named: "ifb1", mtu: 1500)
        expectBytes(transport.requests.first, """
            40000000 1000 0506 01000000 00000000  // nlmsghdr: len 64, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1
            00 00 0000 00000000 01000000 01000000 // ifinfomsg: index 0, flags IFF_UP, change IFF_UP
            0900 0300 6966623100000000            // IFLA_IFNAME "ifb1" + pad
            0800 0400 dc050000                    // IFLA_MTU 1500
            0c00 1280                             // IFLA_LINKINFO (nested), 12 bytes
              0800 0100 69666200                  //   IFLA_INFO_KIND "ifb"
            """)
    }

    /// setGroup's own golden test is in TenancyRequestTests.
    @Test("an ifb can be born in a device group; deleteLinks(inGroup:) names the group")
    func groups() throws {
        let transport = RecordingNetlinkTransport(replies: [.ack, .ack, .error(19)])
        let netlink = RouteNetlink(transport: transport)
        try netlink.addIfb(named: "ifb1", mtu: nil, group: 0x8000_0007)  // ip link add name ifb1 group 2147483655 up type ifb
        #expect(try netlink.deleteLinks(inGroup: 0x8000_0007))  // ip link delete group 2147483655
        #expect(try netlink.deleteLinks(inGroup: 0x8000_0007) == false)
        expectBytes(transport.requests[0], """
            40000000 1000 0506 01000000 00000000  // nlmsghdr: len 64, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1
            00 00 0000 00000000 01000000 01000000 // ifinfomsg: index 0, flags IFF_UP, change IFF_UP
            0900 0300 6966623100000000            // IFLA_IFNAME "ifb1" + pad
            0800 1b00 07000080                    // IFLA_GROUP 0x80000007
            0c00 1280                             // IFLA_LINKINFO (nested), 12 bytes
              0800 0100 69666200                  //   IFLA_INFO_KIND "ifb"
            """)
        expectBytes(transport.requests[1], """
            28000000 1100 0500 02000000 00000000  // nlmsghdr: len 40, RTM_DELLINK, REQUEST|ACK, seq 2
            00 00 0000 00000000 00000000 00000000 // ifinfomsg: index 0 (by group)
            0800 1b00 07000080                    // IFLA_GROUP 0x80000007
            """)
    }

    @Test("the buffer time is the burst at the rate, in 64 ns ticks")
    func bufferTicks() {
        // 12 500 B at 1 250 000 B/s take 10 ms = 156 250 ticks of 64 ns.
        #expect(tenMegabits.bufferTicks == 156_250)
        #expect(TokenBucket(rateBytesPerSecond: 0, burstBytes: 1, limitBytes: 1).bufferTicks == 0)
    }

    @Test("addTokenBucket sends tc_tbf_qopt with an Ethernet link layer and the burst, no rate table")
    func addTokenBucket() throws {
        let transport = RecordingNetlinkTransport()
        // tc qdisc add dev 7 root handle 1: tbf rate 10mbit burst 12500b limit 43750b
        try RouteNetlink(transport: transport).addTokenBucket(tenMegabits, toLink: 7)
        expectBytes(transport.requests.first, """
            60000000 2400 0506 01000000 00000000  // nlmsghdr: len 96, RTM_NEWQDISC, REQUEST|ACK|EXCL|CREATE, seq 1
            00 00 0000 07000000 00000100 ffffffff 00000000 // tcmsg: index 7, handle 1:, parent root, info 0
            0800 0100 74626600                    // TCA_KIND "tbf"
            3400 0280                             // TCA_OPTIONS (nested), 52 bytes
              2800 0100                           //   TCA_TBF_PARMS, a 36-byte tc_tbf_qopt:
                00 01 0000 0000 0000 d0121300     //     rate: cell_log 0, linklayer ethernet, 1250000 B/s
                00 00 0000 0000 0000 00000000     //     peakrate: none
                e6aa0000 5a620200 00000000        //     limit 43750, buffer 156250 ticks, mtu 0
              0800 0600 d4300000                  //   TCA_TBF_BURST 12500
            """)
    }

    @Test("a rate of 2^32 bytes/s or more goes in TCA_TBF_RATE64, with the 32-bit field saturated")
    func addTokenBucket64() throws {
        let transport = RecordingNetlinkTransport()
        let fortyGigabits = TokenBucket(rateBytesPerSecond: 5_000_000_000, burstBytes: 1_000_000, limitBytes: 126_000_000)
        // tc qdisc add dev 7 root handle 1: tbf rate 40gbit burst 1000000b limit 126000000b
        try RouteNetlink(transport: transport).addTokenBucket(fortyGigabits, toLink: 7)
        expectBytes(transport.requests.first, """
            6c000000 2400 0506 01000000 00000000  // nlmsghdr: len 108, RTM_NEWQDISC, REQUEST|ACK|EXCL|CREATE, seq 1
            00 00 0000 07000000 00000100 ffffffff 00000000 // tcmsg: index 7, handle 1:, parent root
            0800 0100 74626600                    // TCA_KIND "tbf"
            4000 0280                             // TCA_OPTIONS (nested), 64 bytes
              2800 0100                           //   TCA_TBF_PARMS
                00 01 0000 0000 0000 ffffffff     //     rate: ethernet, saturated (see RATE64)
                00 00 0000 0000 0000 00000000     //     peakrate: none
                809b8207 350c0000 00000000        //     limit 126000000, buffer 3125 ticks (200 us), mtu 0
              0c00 0400 00f2052a01000000          //   TCA_TBF_RATE64 5000000000
              0800 0600 40420f00                  //   TCA_TBF_BURST 1000000
            """)
    }

    @Test("addIngressQdisc asks for handle ffff: under the ingress parent")
    func addIngress() throws {
        let transport = RecordingNetlinkTransport()
        // tc qdisc add dev 7 handle ffff: ingress
        try RouteNetlink(transport: transport).addIngressQdisc(toLink: 7)
        expectBytes(transport.requests.first, """
            30000000 2400 0506 01000000 00000000  // nlmsghdr: len 48, RTM_NEWQDISC, REQUEST|ACK|EXCL|CREATE, seq 1
            00 00 0000 07000000 0000ffff f1ffffff 00000000 // tcmsg: index 7, handle ffff:, parent ingress
            0c00 0100 696e677265737300            // TCA_KIND "ingress"
            """)
    }

    @Test("addRedirectFilter: u32 matching everything, mirred egress redirect, stolen")
    func addRedirectFilter() throws {
        let transport = RecordingNetlinkTransport()
        // tc filter add dev 7 parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev 9
        try RouteNetlink(transport: transport).addRedirectFilter(onIngressOf: 7, to: 9)
        expectBytes(transport.requests.first, """
            8c000000 2c00 0506 01000000 00000000  // nlmsghdr: len 140, RTM_NEWTFILTER, REQUEST|ACK|EXCL|CREATE, seq 1
            00 00 0000 07000000 00000000 0000ffff 00030100 // tcmsg: index 7, handle 0, parent ffff:, prio 1 protocol all
            0800 0100 75333200                    // TCA_KIND "u32"
            6000 0280                             // TCA_OPTIONS (nested), 96 bytes
              2400 0500                           //   TCA_U32_SEL, tc_u32_sel + one key:
                01 00 01 00 0000 0000 0000 0000 00000000 // flags TERMINAL, nkeys 1, no offsets or hash
                00000000 00000000 00000000 00000000      // key: mask 0, value 0, off 0 (match u32 0 0)
              3800 0780                           //   TCA_U32_ACT (nested), 56 bytes
                3400 0180                         //     action 1 (nested), 52 bytes
                  0b00 0100 6d69727265640000      //       TCA_ACT_KIND "mirred" + pad
                  2400 0280                       //       TCA_ACT_OPTIONS (nested), 36 bytes
                    2000 0200                     //         TCA_MIRRED_PARMS, tc_mirred:
                      00000000 00000000 04000000  //           index 0, capab 0, action TC_ACT_STOLEN
                      00000000 00000000           //           refcnt, bindcnt
                      01000000 09000000           //           eaction TCA_EGRESS_REDIR, ifindex 9
            """)
    }

    @Test("deleteQdisc names the parent only, and a missing qdisc is not an error")
    func deleteQdisc() throws {
        let transport = RecordingNetlinkTransport(replies: [.ack, .error(2)])
        let netlink = RouteNetlink(transport: transport)
        #expect(try netlink.deleteQdisc(ofLink: 7, at: .root))  // tc qdisc del dev 7 root
        #expect(try netlink.deleteQdisc(ofLink: 7, at: .ingress) == false)  // tc qdisc del dev 7 ingress
        expectBytes(transport.requests.first, """
            24000000 2500 0500 01000000 00000000  // nlmsghdr: len 36, RTM_DELQDISC, REQUEST|ACK, seq 1
            00 00 0000 07000000 00000000 ffffffff 00000000 // tcmsg: index 7, parent root
            """)
    }
}
