import CNITestSupport
import Netlink
import Testing

@Suite("A bridge port's label: owner alias and no IPv6 address generation (golden bytes)")
struct PortLabelRequestTests {
    @Test("setPortLabel sends IFF_UP, IFLA_IFALIAS and IFLA_AF_SPEC / AF_INET6 / IFLA_INET6_ADDR_GEN_MODE none in one request")
    func aliasAndNoAddressGeneration() throws {
        let transport = RecordingNetlinkTransport()
        // ip link set dev <index 7> up alias own addrgenmode none
        try RouteNetlink(transport: transport).setPortLabel(7, alias: "own")
        expectBytes(transport.requests.first, """
            38000000 1000 0500 01000000 00000000  // nlmsghdr: len 56, RTM_NEWLINK, REQUEST|ACK, seq 1, pid 0
            00 00 0000 07000000 01000000 01000000 // ifinfomsg: AF_UNSPEC, index 7, flags IFF_UP, change IFF_UP
            0800 1400 6f776e00                    // IFLA_IFALIAS (20) "own\\0"
            1000 1a80                             // IFLA_AF_SPEC (nested), 16 bytes
              0c00 0a80                           //   AF_INET6 (nested), 12 bytes
                0500 0800 01 000000               //     IFLA_INET6_ADDR_GEN_MODE (8) = IN6_ADDR_GEN_MODE_NONE + pad
            """)
    }
}
