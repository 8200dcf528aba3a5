#if canImport(Glibc)
import CMnl
import CNIProtocol
import CNetlinkShims
import Glibc
import LinuxSupport
import NetlinkSocket

/// rtnetlink (or another netlink protocol) over an ``MNLSocket``, with strict checking on.
///
/// A socket belongs to the network namespace it was created in, so `open(in:)` creates it on a
/// namespace thread and hands it back to the caller, whose thread never changes namespace.
public final class MNLTransport: NetlinkTransport {
    /// 32 KiB: large enough for any dump datagram the kernel sends (it sizes dump skbs up to this).
    static let receiveCapacity = 32_768

    private let socket: MNLSocket
    private var lastSequence: UInt32 = 0
    public var portID: UInt32 { socket.portID }

    private init(socket: MNLSocket) {
        self.socket = socket
    }

    /// Opens a socket in the calling thread's network namespace.
    /// - Parameter bus: the netlink protocol, `NETLINK_ROUTE` unless stated.
    public static func open(bus: Int32 = NETLINK_ROUTE) throws(NetlinkError) -> MNLTransport {
        let socket: MNLSocket
        do { socket = try MNLSocket(bus: bus, receiveCapacity: receiveCapacity) } catch { throw NetlinkError(error) }
        // Without strict checking the kernel ignores the index in an address dump request and
        // dumps every address of the namespace, which grows with the number of containers.
        socket.enableOption(NETLINK_GET_STRICT_CHK)
        return MNLTransport(socket: socket)
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
        do { try socket.send(bytes) } catch { throw NetlinkError(error) }
    }

    private func receiveUnmeasured() throws(NetlinkError) -> [UInt8] {
        do { return [UInt8](try socket.receive()) } catch { throw NetlinkError(error) }
    }
}

extension NetlinkError {
    /// A socket call's failure, keeping its operation and errno.
    init(_ error: SystemError) {
        self.init(error.operation, errno: error.errno)
    }
}
#endif
