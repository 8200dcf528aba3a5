import Glibc
import CNITestSupport
import LinuxSupport
import Netlink
import Testing

@Suite("Interface group, address generation mode and neighbour announcements (golden bytes)")
struct TenancyRequestTests {
    @Test("setGroup sends IFLA_GROUP")
    func group() throws {
        let transport = RecordingNetlinkTransport()
        // ip link set dev <index 7> group 0x6e736272
        try RouteNetlink(transport: transport).setGroup(7, group: 0x6e73_6272)
        expectBytes(transport.requests.first, """
            28000000 1000 0500 01000000 00000000  // nlmsghdr: len 40, RTM_NEWLINK, REQUEST|ACK, seq 1, pid 0
            00 00 0000 07000000 00000000 00000000 // ifinfomsg: AF_UNSPEC, index 7
            0800 1b00 7262736e                    // IFLA_GROUP (27) 0x6e736272
            """)
    }

    @Test("setEUI64AddressGeneration sends IFLA_AF_SPEC / AF_INET6 / IFLA_INET6_ADDR_GEN_MODE eui64")
    func addressGenerationMode() throws {
        let transport = RecordingNetlinkTransport()
        // ip link set dev <index 7> addrgenmode eui64
        try RouteNetlink(transport: transport).setEUI64AddressGeneration(7)
        expectBytes(transport.requests.first, """
            30000000 1000 0500 01000000 00000000  // nlmsghdr: len 48, RTM_NEWLINK, REQUEST|ACK, seq 1, pid 0
            00 00 0000 07000000 00000000 00000000 // ifinfomsg: AF_UNSPEC, index 7
            1000 1a80                             // IFLA_AF_SPEC (nested), 16 bytes
              0c00 0a80                           //   AF_INET6 (nested), 12 bytes
                0500 0800 00 000000               //     IFLA_INET6_ADDR_GEN_MODE (8) = IN6_ADDR_GEN_MODE_EUI64 + pad
            """)
    }

    @Test("announceIPv4 asks the kernel to resolve the address itself (a gratuitous ARP), then deletes the entry")
    func gratuitousARP() throws {
        let transport = RecordingNetlinkTransport()
        // ip neigh add 10.88.0.5 dev <index 7> nud none use; ip neigh del 10.88.0.5 dev <index 7>
        try RouteNetlink(transport: transport).announceIPv4([10, 88, 0, 5], interface: 7)
        #expect(transport.requests.count == 2)
        expectBytes(transport.requests.first, """
            24000000 1c00 0504 01000000 00000000  // nlmsghdr: len 36, RTM_NEWNEIGH, REQUEST|ACK|CREATE, seq 1, pid 0
            02 00 0000 07000000 0000 01 00        // ndmsg: AF_INET, index 7, NUD_NONE, NTF_USE
            0800 0100 0a580005                    // NDA_DST 10.88.0.5
            """)
        expectBytes(transport.requests.last, """
            24000000 1d00 0500 02000000 00000000  // nlmsghdr: len 36, RTM_DELNEIGH, REQUEST|ACK, seq 2, pid 0
            02 00 0000 07000000 0000 00 00        // ndmsg: AF_INET, index 7
            0800 0100 0a580005                    // NDA_DST 10.88.0.5
            """)
    }

    @Test("announceIPv4 succeeds when the entry is already gone by the time it is deleted")
    func gratuitousARPEntryGone() throws {
        let transport = RecordingNetlinkTransport(replies: [.ack, .error(ENOENT)])
        try RouteNetlink(transport: transport).announceIPv4([10, 88, 0, 5], interface: 7)
        #expect(transport.requests.count == 2)
    }

    @Test("An unsolicited NA has the override flag and a target link-layer address option")
    func unsolicitedAdvertisement() {
        // ndisc6-style unsolicited NA for fd88::5 from 02:42:0a:58:00:05 (checksum left to the kernel)
        let address: [UInt8] = [0xfd, 0x88] + [UInt8](repeating: 0, count: 13) + [5]
        let message = NeighbourAnnouncement.unsolicitedAdvertisement(mac: [0x02, 0x42, 0x0a, 0x58, 0x00, 0x05], address: address)
        #expect(hex(message) == "88" + "00" + "0000" + "20000000" + "fd880000000000000000000000000005" + "02" + "01" + "02420a580005")
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
