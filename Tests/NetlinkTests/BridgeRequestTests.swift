import CNITestSupport
import Netlink
import Testing

/// Expected bytes match what iproute2's `bridge` sends (captured with strace), except that
/// libmnl also marks IFLA_AF_SPEC as nested (the kernel masks NLA_F_NESTED when looking it up).
@Suite("Bridge port requests (golden bytes)")
struct BridgeRequestTests {
    @Test("setBridgePort sends RTM_SETLINK AF_BRIDGE with IFLA_PROTINFO mode and isolated")
    func portFlags() throws {
        let transport = RecordingNetlinkTransport()
        // bridge link set dev 7 hairpin on isolated on
        try RouteNetlink(transport: transport).setBridgePort(7, hairpin: true, isolated: true)
        expectBytes(transport.requests.first, """
            34000000 1300 0500 01000000 00000000  // nlmsghdr: len 52, RTM_SETLINK, REQUEST|ACK, seq 1
            07 00 0000 07000000 00000000 00000000 // ifinfomsg: AF_BRIDGE, index 7
            1400 0c80                             // IFLA_PROTINFO (nested), 20 bytes
              0500 0400 01000000                  //   IFLA_BRPORT_MODE 1 (hairpin) + pad
              0500 2100 01000000                  //   IFLA_BRPORT_ISOLATED 1 + pad
            """)
    }

    @Test("a trunk range is sent as RANGE_BEGIN and RANGE_END entries")
    func vlanRange() throws {
        let transport = RecordingNetlinkTransport()
        // bridge vlan add dev 7 vid 200-300
        try RouteNetlink(transport: transport).addBridgeVLAN(7, vids: 200...300)
        expectBytes(transport.requests.first, """
            34000000 1300 0500 01000000 00000000  // nlmsghdr: len 52, RTM_SETLINK, REQUEST|ACK, seq 1
            07 00 0000 07000000 00000000 00000000 // ifinfomsg: AF_BRIDGE, index 7
            1400 1a80                             // IFLA_AF_SPEC (nested), 20 bytes
              0800 0200 0800 c800                 //   IFLA_BRIDGE_VLAN_INFO flags RANGE_BEGIN, vid 200
              0800 0200 1000 2c01                 //   IFLA_BRIDGE_VLAN_INFO flags RANGE_END, vid 300
            """)
    }

    @Test("an access VLAN is one entry flagged PVID|UNTAGGED; removal uses RTM_DELLINK; self adds IFLA_BRIDGE_FLAGS")
    func accessVLAN() throws {
        let transport = RecordingNetlinkTransport()
        let links = RouteNetlink(transport: transport)
        try links.addBridgeVLAN(7, vid: 100, pvid: true, untagged: true)  // bridge vlan add dev 7 vid 100 pvid untagged
        try links.deleteBridgeVLAN(index: 7, vid: 1)  // bridge vlan del dev 7 vid 1
        try links.addBridgeVLAN(3, vids: 100...100, onBridgeDevice: true)  // bridge vlan add dev 3 vid 100 self
        expectBytes(transport.requests[0], """
            2c000000 1300 0500 01000000 00000000  // nlmsghdr: len 44, RTM_SETLINK, REQUEST|ACK, seq 1
            07 00 0000 07000000 00000000 00000000 // ifinfomsg: AF_BRIDGE, index 7
            0c00 1a80                             // IFLA_AF_SPEC (nested)
              0800 0200 0600 6400                 //   IFLA_BRIDGE_VLAN_INFO flags PVID|UNTAGGED, vid 100
            """)
        expectBytes(transport.requests[1], """
            2c000000 1100 0500 02000000 00000000  // nlmsghdr: len 44, RTM_DELLINK, REQUEST|ACK, seq 2
            07 00 0000 07000000 00000000 00000000 // ifinfomsg: AF_BRIDGE, index 7
            0c00 1a80                             // IFLA_AF_SPEC (nested)
              0800 0200 0000 0100                 //   IFLA_BRIDGE_VLAN_INFO flags 0, vid 1
            """)
        expectBytes(transport.requests[2], """
            34000000 1300 0500 03000000 00000000  // nlmsghdr: len 52, RTM_SETLINK, REQUEST|ACK, seq 3
            07 00 0000 03000000 00000000 00000000 // ifinfomsg: AF_BRIDGE, index 3 (the bridge)
            1400 1a80                             // IFLA_AF_SPEC (nested)
              0600 0000 02000000                  //   IFLA_BRIDGE_FLAGS BRIDGE_FLAGS_SELF + pad
              0800 0200 0000 6400                 //   IFLA_BRIDGE_VLAN_INFO flags 0, vid 100
            """)
    }
}
