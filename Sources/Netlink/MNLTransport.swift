#if canImport(Glibc)
import CMnl
import CNIProtocol
import CNetlinkShims
import Glibc
import LinuxSupport

/// A libmnl netlink socket (NETLINK_ROUTE by default) with extended ACKs enabled.
///
/// Owns the socket and a receive buffer (raw memory, never a Swift array: libmnl keeps pointers
/// into it). A socket belongs to the network namespace it was created in, so `open(in:)` creates it
/// on a namespace thread and hands it back to the caller, whose thread never changes namespace.
public final class MNLTransport: NetlinkTransport {
    /// 32 KiB: large enough for any dump datagram the kernel sends (it sizes dump skbs up to this).
    static let receiveCapacity = 32_768

    private let socket: OpaquePointer
    private let receiveBuffer: UnsafeMutableRawPointer
    private var lastSequence: UInt32 = 0
    public let portID: UInt32

    private init(socket: OpaquePointer) {
        self.socket = socket
        self.portID = mnl_socket_get_portid(socket)
        self.receiveBuffer = UnsafeMutableRawPointer.allocate(byteCount: Self.receiveCapacity, alignment: 8)
    }

    deinit {
        mnl_socket_close(socket)
        receiveBuffer.deallocate()
    }

    /// Opens a socket in the calling thread's network namespace.
    /// - Parameter bus: the netlink protocol, `NETLINK_ROUTE` unless stated.
    public static func open(bus: Int32 = NETLINK_ROUTE) throws(NetlinkError) -> MNLTransport {
        guard let socket = mnl_socket_open2(bus, Int32(SOCK_CLOEXEC.rawValue)) else {
            throw NetlinkError("open netlink socket", errno: errno)
        }
        if mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) < 0 {
            let code = errno
            mnl_socket_close(socket)
            throw NetlinkError("bind netlink socket", errno: code)
        }
        let transport = MNLTransport(socket: socket)
        // Best effort: kernels without them still work, just with terser errors and longer acks.
        transport.enableOption(NETLINK_EXT_ACK)
        transport.enableOption(NETLINK_CAP_ACK)
        // Without strict checking the kernel ignores the index in an address dump request and
        // dumps every address of the namespace, which grows with the number of containers.
        transport.enableOption(NETLINK_GET_STRICT_CHK)
        return transport
    }

    /// Opens a socket inside `namespace`. Only the socket creation runs on a namespace thread; the
    /// returned transport is used from the caller's thread and keeps talking to `namespace`.
    public static func open(in namespace: NetworkNamespace, bus: Int32 = NETLINK_ROUTE) throws(NetlinkError) -> MNLTransport {
        let outcome: Result<MNLTransport, NetlinkError>
        do {
            outcome = try namespace.withEntered { () -> Result<MNLTransport, NetlinkError> in
                do throws(NetlinkError) { return .success(try open(bus: bus)) } catch { return .failure(error) }
            }
        } catch let error as NamespaceError {
            guard case .system(let system) = error else { throw NetlinkError("\(error)", errno: EINVAL) }
            throw NetlinkError("open netlink socket: \(system.operation)", errno: system.errno)
        } catch {
            throw NetlinkError("open netlink socket in \(namespace.path): \(error)", errno: EIO)
        }
        return try outcome.get()
    }

    public func nextSequenceNumber() -> UInt32 {
        lastSequence &+= 1
        return lastSequence
    }

    public func send(_ bytes: [UInt8]) throws(NetlinkError) {
        try InvocationPhases.measure(.netlink) { () throws(NetlinkError) in try sendUnmeasured(bytes) }
    }

    public func receive() throws(NetlinkError) -> [UInt8] {
        try InvocationPhases.measure(.netlink) { () throws(NetlinkError) in try receiveUnmeasured() }
    }

    private func sendUnmeasured(_ bytes: [UInt8]) throws(NetlinkError) {
        while true {
            let sent = bytes.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, $0.count) }
            if sent >= 0 { return }
            if errno != EINTR { throw NetlinkError("send netlink request", errno: errno) }
        }
    }

    private func receiveUnmeasured() throws(NetlinkError) -> [UInt8] {
        while true {
            // libmnl turns a truncated datagram (MSG_TRUNC) into ENOSPC instead of silently cutting it.
            let count = mnl_socket_recvfrom(socket, receiveBuffer, Self.receiveCapacity)
            if count >= 0 {
                return [UInt8](UnsafeRawBufferPointer(start: receiveBuffer, count: count))
            }
            if errno != EINTR { throw NetlinkError("receive netlink reply", errno: errno) }
        }
    }

    private func enableOption(_ option: Int32) {
        var one: Int32 = 1
        _ = mnl_socket_setsockopt(socket, option, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}
#endif
