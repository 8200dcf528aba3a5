import CNIProtocol
import CNITestSupport
import Netlink
import Testing

@Suite("Address and route requests (golden bytes)")
struct AddressRouteRequestTests {
    @Test("an IPv4 address carries IFA_LOCAL, IFA_ADDRESS and the subnet broadcast")
    func addIPv4Address() throws {
        let transport = RecordingNetlinkTransport()
        // ip addr add 10.1.0.5/24 brd + dev 4
        try RouteNetlink(transport: transport).addAddress(try #require(IPNetwork("10.1.0.5/24")), to: 4)
        expectBytes(transport.requests.first, """
            30000000 1400 0506 01000000 00000000  // nlmsghdr: len 48, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE, seq 1
            02 18 00 00 04000000                  // ifaddrmsg: AF_INET, /24, flags 0, scope universe, index 4
            0800 0200 0a010005                    // IFA_LOCAL 10.1.0.5
            0800 0100 0a010005                    // IFA_ADDRESS 10.1.0.5
            0800 0400 0a0100ff                    // IFA_BROADCAST 10.1.0.255
            """)
    }

    @Test("an IPv6 address with noDAD sets IFA_F_NODAD and no broadcast")
    func addIPv6Address() throws {
        let transport = RecordingNetlinkTransport()
        // ip addr add fd00::5/64 dev 4 nodad
        try RouteNetlink(transport: transport).addAddress(try #require(IPNetwork("fd00::5/64")), to: 4, noDAD: true)
        expectBytes(transport.requests.first, """
            40000000 1400 0506 01000000 00000000  // nlmsghdr: len 64, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE, seq 1
            0a 40 02 00 04000000                  // ifaddrmsg: AF_INET6, /64, IFA_F_NODAD, scope universe, index 4
            1400 0200 fd000000000000000000000000000005 // IFA_LOCAL fd00::5
            1400 0100 fd000000000000000000000000000005 // IFA_ADDRESS fd00::5
            """)
    }

    @Test("a default route carries table, gateway, output interface, metric and RTA_METRICS")
    func addDefaultRoute() throws {
        let transport = RecordingNetlinkTransport()
        // ip route add default via 10.1.0.1 dev 4 metric 50 mtu 1300 advmss 1260
        try RouteNetlink(transport: transport).addRoute(RouteSpec(
            destination: try #require(IPNetwork("0.0.0.0/0")), gateway: IPAddress("10.1.0.1"), outputInterface: 4,
            priority: 50, mtu: 1300, advertisedMSS: 1260))
        expectBytes(transport.requests.first, """
            50000000 1800 0506 01000000 00000000  // nlmsghdr: len 80, RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE, seq 1
            02 00 00 00 fe 03 00 01 00000000      // rtmsg: AF_INET, dst /0, table main, proto boot, scope universe, unicast
            0800 0f00 fe000000                    // RTA_TABLE 254
            0800 0500 0a010001                    // RTA_GATEWAY 10.1.0.1
            0800 0400 04000000                    // RTA_OIF 4
            0800 0600 32000000                    // RTA_PRIORITY 50
            1400 0880                             // RTA_METRICS (nested), 20 bytes
              0800 0200 14050000                  //   RTAX_MTU 1300
              0800 0800 ec040000                  //   RTAX_ADVMSS 1260
            """)
    }

    @Test("an on-link route in another table defaults to scope link and carries RTA_DST")
    func addLinkRoute() throws {
        let transport = RecordingNetlinkTransport()
        // ip route add 192.168.50.0/24 dev 4 table 1000 scope link
        try RouteNetlink(transport: transport).addRoute(RouteSpec(
            destination: try #require(IPNetwork("192.168.50.0/24")), outputInterface: 4, table: 1000))
        expectBytes(transport.requests.first, """
            34000000 1800 0506 01000000 00000000  // nlmsghdr: len 52, RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE, seq 1
            02 18 00 00 00 03 fd 01 00000000      // rtmsg: AF_INET, dst /24, table UNSPEC (>255), proto boot, scope link, unicast
            0800 0f00 e8030000                    // RTA_TABLE 1000
            0800 0100 c0a83200                    // RTA_DST 192.168.50.0
            0800 0400 04000000                    // RTA_OIF 4
            """)
    }
}
