/// A datagram channel to the kernel's netlink: the only seam between the Netlink module and a
/// socket. `MNLTransport` is the real one; tests use a recording fake.
///
/// One transport is bound to one network namespace for its whole life (the one its socket was
/// created in) and is used from one thread at a time.
public protocol NetlinkTransport: AnyObject {
    /// The socket's netlink port id; kernel replies to our requests carry it in `nlmsg_pid`.
    var portID: UInt32 { get }
    /// The next request sequence number. Counters are per transport, never global.
    func nextSequenceNumber() -> UInt32
    /// Sends one request (one or more complete netlink messages).
    func send(_ bytes: [UInt8]) throws(NetlinkError)
    /// Blocks until the next datagram arrives and returns it; it may hold several messages.
    func receive() throws(NetlinkError) -> [UInt8]
}
