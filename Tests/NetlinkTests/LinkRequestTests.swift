import CNITestSupport
import LinuxSupport
import Netlink
import Testing

@Suite("Link requests (golden bytes)")
struct LinkRequestTests {
    @Test("setIPv4Settings sends arp_notify as IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF")
    func ipv4Settings() throws {
        let transport = RecordingNetlinkTransport()
        // sysctl -w net.ipv4.conf.<index 7>.arp_notify=1
        try RouteNetlink(transport: transport).setIPv4Settings(7, [.arpNotify: 1])
        expectBytes(transport.requests.first, """
            34000000 1000 0500 01000000 00000000  // nlmsghdr: len 52, RTM_NEWLINK, REQUEST|ACK, seq 1, pid 0
            00 00 0000 07000000 00000000 00000000 // ifinfomsg: AF_UNSPEC, index 7
            1400 1a80                             // IFLA_AF_SPEC (nested), 20 bytes
              1000 0280                           //   AF_INET (nested), 16 bytes
                0c00 0180                         //     IFLA_INET_CONF (nested), 12 bytes
                  0800 1600 01000000              //       IPV4_DEVCONF_ARP_NOTIFY (22) = 1
            """)
    }

    @Test("addBridge sends RTM_NEWLINK create|excl with kind bridge, MTU and vlan_filtering")
    func addBridge() throws {
        let transport = RecordingNetlinkTransport()
        // ip link add name br0 mtu 1400 type bridge vlan_filtering 1
        try RouteNetlink(transport: transport).addBridge(named: "br0", mtu: 1400, vlanFiltering: true)
        expectBytes(transport.requests.first, """
            4c000000 1000 0506 01000000 00000000  // nlmsghdr: len 76, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1, pid 0
            00 00 0000 00000000 00000000 00000000 // ifinfomsg: AF_UNSPEC, index 0
            0800 0300 62723000                    // IFLA_IFNAME "br0"
            0800 0400 78050000                    // IFLA_MTU 1400
            1c00 1280                             // IFLA_LINKINFO (nested), 28 bytes
              0b00 0100 6272696467650000          //   IFLA_INFO_KIND "bridge" + pad
              0c00 0280                           //   IFLA_INFO_DATA (nested)
                0500 0700 01000000                //     IFLA_BR_VLAN_FILTERING 1 + pad
            """)
    }

    @Test("addBridge turns multicast snooping off in the creating request")
    func addBridgeWithoutSnooping() throws {
        let transport = RecordingNetlinkTransport()
        // ip link add name br0 type bridge mcast_snooping 0
        try RouteNetlink(transport: transport).addBridge(named: "br0", multicastSnooping: false)
        expectBytes(transport.requests.first, """
            44000000 1000 0506 01000000 00000000  // nlmsghdr: len 68, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1, pid 0
            00 00 0000 00000000 00000000 00000000 // ifinfomsg: AF_UNSPEC, index 0
            0800 0300 62723000                    // IFLA_IFNAME "br0"
            1c00 1280                             // IFLA_LINKINFO (nested), 28 bytes
              0b00 0100 6272696467650000          //   IFLA_INFO_KIND "bridge" + pad
              0c00 0280                           //   IFLA_INFO_DATA (nested)
                0500 1700 00000000                //     IFLA_BR_MCAST_SNOOPING 0 + pad
            """)
    }

    @Test("addBridge with a MAC carries IFLA_ADDRESS in the creating request")
    func addBridgeWithMAC() throws {
        let transport = RecordingNetlinkTransport()
        // ip link add name br1 address 02:11:22:33:44:55 up type bridge
        try RouteNetlink(transport: transport).addBridge(named: "br1", mac: [0x02, 0x11, 0x22, 0x33, 0x44, 0x55], up: true)
        expectBytes(transport.requests.first, """
            44000000 1000 0506 01000000 00000000  // nlmsghdr: len 68, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1, pid 0
            00 00 0000 00000000 01000000 01000000 // ifinfomsg: AF_UNSPEC, index 0, flags IFF_UP, change IFF_UP
            0800 0300 62723100                    // IFLA_IFNAME "br1"
            0a00 0100 021122334455 0000           // IFLA_ADDRESS 02:11:22:33:44:55 + pad
            1000 1280                             // IFLA_LINKINFO (nested), 16 bytes
              0b00 0100 6272696467650000          //   IFLA_INFO_KIND "bridge" + pad
            """)
    }

    @Test("addVethPair puts the peer's ifinfomsg, name, MTU, MAC and namespace fd inside VETH_INFO_PEER")
    func addVethPair() throws {
        let namespace = try NetworkNamespace.open(path: "/proc/self/ns/net")
        let fd = Canned.le32(UInt32(namespace.fileDescriptor)).map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let transport = RecordingNetlinkTransport()
        // ip link add veth0 mtu 1500 type veth peer name eth0 mtu 1500 address 0a:58:0a:01:00:05 netns <fd>
        try RouteNetlink(transport: transport).addVethPair(
            name: "veth0", peerName: "eth0", peerNamespace: namespace, mtu: 1500, peerMAC: [0x0a, 0x58, 0x0a, 0x01, 0x00, 0x05])
        expectBytes(transport.requests.first, """
            84000000 1000 0506 01000000 00000000  // nlmsghdr: len 132, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1
            00 00 0000 00000000 00000000 00000000 // ifinfomsg: AF_UNSPEC, index 0
            0a00 0300 7665746830000000            // IFLA_IFNAME "veth0" + pad
            0800 0400 dc050000                    // IFLA_MTU 1500
            5000 1280                             // IFLA_LINKINFO (nested), 80 bytes
              0900 0100 7665746800000000          //   IFLA_INFO_KIND "veth" + pad
              4000 0280                           //   IFLA_INFO_DATA (nested), 64 bytes
                3c00 0180                         //     VETH_INFO_PEER (nested), 60 bytes
                  00 00 0000 00000000 00000000 00000000 // peer ifinfomsg
                  0900 0300 6574683000000000      //       IFLA_IFNAME "eth0" + pad
                  0800 0400 dc050000              //       IFLA_MTU 1500
                  0a00 0100 0a580a0100050000      //       IFLA_ADDRESS 0a:58:0a:01:00:05 + pad
                  0800 1c00 \(fd)                 //       IFLA_NET_NS_FD <fd>
            """)
    }

    @Test("a veth spec with master and localUp creates the host end enslaved and up in the same request")
    func addVethPairEnslavedAndUp() throws {
        let transport = RecordingNetlinkTransport()
        // ip link add veth0 master 3 up type veth peer name eth0
        try RouteNetlink(transport: transport).addVethPair(VethPairSpec(name: "veth0", peerName: "eth0", masterIndex: 3, localUp: true))
        expectBytes(transport.requests.first, """
            68000000 1000 0506 01000000 00000000  // nlmsghdr: len 104, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1
            00 00 0000 00000000 01000000 01000000 // ifinfomsg: index 0, flags IFF_UP, change IFF_UP
            0a00 0300 7665746830000000            // IFLA_IFNAME "veth0" + pad
            0800 0a00 03000000                    // IFLA_MASTER 3
            3400 1280                             // IFLA_LINKINFO (nested), 52 bytes
              0900 0100 7665746800000000          //   IFLA_INFO_KIND "veth" + pad
              2400 0280                           //   IFLA_INFO_DATA (nested), 36 bytes
                2000 0180                         //     VETH_INFO_PEER (nested), 32 bytes
                  00 00 0000 00000000 00000000 00000000 // peer ifinfomsg (created down)
                  0900 0300 6574683000000000      //       IFLA_IFNAME "eth0" + pad
            """)
    }

    @Test("setMaster and setUp change one attribute or flag of an existing link")
    func setMasterAndUp() throws {
        let transport = RecordingNetlinkTransport()
        let links = RouteNetlink(transport: transport)
        try links.setMaster(5, bridgeIndex: 3)  // ip link set dev 5 master 3
        try links.setUp(5)  // ip link set dev 5 up
        #expect(links.roundTrips == 2)
        expectBytes(transport.requests.first, """
            28000000 1000 0500 01000000 00000000  // nlmsghdr: len 40, RTM_NEWLINK, REQUEST|ACK, seq 1
            00 00 0000 05000000 00000000 00000000 // ifinfomsg: index 5
            0800 0a00 03000000                    // IFLA_MASTER 3
            """)
        expectBytes(transport.requests.last, """
            20000000 1000 0500 02000000 00000000  // nlmsghdr: len 32, RTM_NEWLINK, REQUEST|ACK, seq 2
            00 00 0000 05000000 01000000 01000000 // ifinfomsg: index 5, flags IFF_UP, change IFF_UP
            """)
    }

    @Test("link(named:) sends RTM_GETLINK by name without statistics")
    func getLinkByName() throws {
        let transport = RecordingNetlinkTransport(replies: [.error(19)])
        // ip link show dev eth0
        #expect(try RouteNetlink(transport: transport).link(named: "eth0") == nil)
        expectBytes(transport.requests.first, """
            34000000 1200 0500 01000000 00000000  // nlmsghdr: len 52, RTM_GETLINK, REQUEST|ACK, seq 1
            00 00 0000 00000000 00000000 00000000 // ifinfomsg: index 0
            0900 0300 6574683000000000            // IFLA_IFNAME "eth0" + pad
            0800 1d00 08000000                    // IFLA_EXT_MASK RTEXT_FILTER_SKIP_STATS
            """)
    }

    @Test("deleteLink(named:) returns false on ENODEV and true on an ack")
    func deleteByName() throws {
        let transport = RecordingNetlinkTransport(replies: [.ack, .error(19, kernelMessage: nil)])
        let links = RouteNetlink(transport: transport)
        #expect(try links.deleteLink(named: "eth0") == true)  // ip link delete dev eth0
        #expect(try links.deleteLink(named: "eth0") == false)
        expectBytes(transport.requests.first, """
            2c000000 1100 0500 01000000 00000000  // nlmsghdr: len 44, RTM_DELLINK, REQUEST|ACK, seq 1
            00 00 0000 00000000 00000000 00000000 // ifinfomsg: index 0
            0900 0300 6574683000000000            // IFLA_IFNAME "eth0" + pad
            """)
    }

    @Test("A lingering child's deletion is the RTM_DELLINK of deleteLinkIfPresent(index:), numbered 1")
    func unregistrationRequest() throws {
        let transport = RecordingNetlinkTransport(replies: [.ack, .error(19, kernelMessage: nil)])
        let links = RouteNetlink(transport: transport)
        #expect(try links.deleteLinkIfPresent(index: 7) == true)  // ip link delete dev <index 7>
        #expect(try links.deleteLinkIfPresent(index: 7) == false)
        let request = LinkUnregistration.request(index: 7)
        expectBytes(request, """
            20000000 1100 0500 01000000 00000000  // nlmsghdr: len 32, RTM_DELLINK, REQUEST|ACK, seq 1
            00 00 0000 07000000 00000000 00000000 // ifinfomsg: AF_UNSPEC, index 7
            """)
        #expect(transport.requests.first == request)
    }

    @Test("A lingering child's group deletion is deleteLinks(inGroup:)'s RTM_DELLINK, numbered 1")
    func groupUnregistrationRequest() throws {
        let transport = RecordingNetlinkTransport(replies: [.ack])
        #expect(try RouteNetlink(transport: transport).deleteLinks(inGroup: 0x8000_0007))  // ip link delete group 0x80000007
        let request = LinkUnregistration.request(group: 0x8000_0007)
        expectBytes(request, """
            28000000 1100 0500 01000000 00000000  // nlmsghdr: len 40, RTM_DELLINK, REQUEST|ACK, seq 1
            00 00 0000 00000000 00000000 00000000 // ifinfomsg: AF_UNSPEC, index 0
            0800 1b00 07000080                    // IFLA_GROUP 0x80000007
            """)
        #expect(transport.requests.first == request)
    }
}
