import CNetlinkShims
import Glibc
import LinuxSupport
import NetlinkSocket
import Testing

/// The one libmnl socket wrapper, against the kernel: a route dump needs no privilege and
/// changes nothing.
@Suite("MNLSocket: whole datagrams or ENOSPC, non-blocking drain, idempotent close")
struct MNLSocketTests {
    /// RTM_GETLINK dump of every link: nlmsghdr (len 32, type 18, REQUEST|DUMP, seq 1) + ifinfomsg.
    static let linkDump: [UInt8] = [32, 0, 0, 0, 18, 0, 0x01, 0x03, 1, 0, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 16)

    @Test("A dump's datagrams arrive whole, and the socket is drained without blocking")
    func dumpAndDrain() throws {
        let socket = try MNLSocket(bus: NETLINK_ROUTE, receiveCapacity: 32_768)
        #expect(try socket.receiveIfQueued() == nil, "nothing is queued before a request")
        try socket.send(Self.linkDump)
        let first = try socket.receive()
        #expect(first.count >= 16)
        #expect(first.load(fromByteOffset: 8, as: UInt32.self) == 1, "the reply carries the request's sequence number")
        while try socket.receiveIfQueued() != nil {}
        socket.close()
        socket.close()
    }

    @Test("A datagram larger than the buffer is ENOSPC, never silently cut")
    func truncatedDatagram() throws {
        let socket = try MNLSocket(bus: NETLINK_ROUTE, receiveCapacity: 64)
        try socket.send(Self.linkDump)
        #expect(throws: SystemError("receive netlink reply", errno: ENOSPC)) { _ = try socket.receive() }
    }
}
