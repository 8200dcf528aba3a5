#if canImport(Glibc)
import CNetlinkShims
import Glibc
import LinuxSupport

/// Typed rtnetlink operations (links, addresses, routes, bridge ports) over one transport.
///
/// Every operation is one request and its reply: a single round trip, counted in `roundTrips`.
/// The transport decides the network namespace: `RouteNetlink()` talks to the caller's namespace,
/// `RouteNetlink(in:)` to another one, without the caller's thread ever entering it.
///
/// Not thread-safe; use one instance per thread.
public final class RouteNetlink {
    public let transport: any NetlinkTransport
    /// Request/reply exchanges performed so far (for measurement and tests).
    public private(set) var roundTrips = 0

    public init(transport: any NetlinkTransport) {
        self.transport = transport
    }

    /// Opens a route netlink socket in the calling thread's network namespace.
    public convenience init() throws(NetlinkError) {
        self.init(transport: try MNLTransport.open())
    }

    /// Opens a route netlink socket inside `namespace` (see `MNLTransport.open(in:)`).
    public convenience init(in namespace: NetworkNamespace) throws(NetlinkError) {
        self.init(transport: try MNLTransport.open(in: namespace))
    }

    /// Starts a request with the next sequence number of this transport.
    func request(_ type: Int, flags: Int32 = 0) -> MessageBuilder {
        MessageBuilder(type: type, flags: NLM_F_REQUEST | NLM_F_ACK | flags, sequence: transport.nextSequenceNumber())
    }

    /// Starts a dump request (answered by a multipart reply ending in NLMSG_DONE, no ack).
    func dumpRequest(_ type: Int) -> MessageBuilder {
        MessageBuilder(type: type, flags: NLM_F_REQUEST | NLM_F_DUMP, sequence: transport.nextSequenceNumber())
    }

    /// Sends a request and collects its replies until the ack (or NLMSG_DONE for dumps).
    ///
    /// Messages whose sequence number or port id is not ours (late replies to an earlier, abandoned
    /// request) are skipped. A negative ack becomes a `NetlinkError` with the kernel's extended-ACK text.
    @discardableResult
    func perform(_ message: MessageBuilder, _ operation: @autoclosure () -> String) throws(NetlinkError) -> [NetlinkMessage] {
        roundTrips += 1
        try transport.send(message.bytes)
        var replies: [NetlinkMessage] = []
        // An interrupted dump is still read to its end: the kernel refuses a new dump on this
        // socket (EBUSY) while the old one has messages left.
        var interrupted = false
        while true {
            let datagram = try transport.receive()
            guard let messages = NetlinkMessage.split(datagram) else {
                throw .protocolViolation(operation(), "malformed reply datagram")
            }
            for reply in messages where reply.sequence == message.sequence && reply.portID == transport.portID {
                switch Int32(reply.type) {
                case NLMSG_ERROR, NLMSG_DONE:
                    try Self.checkStatus(reply, operation)
                    if interrupted || Int32(reply.flags) & NLM_F_DUMP_INTR != 0 {
                        throw NetlinkError("\(operation()): dump interrupted by a concurrent change", errno: EAGAIN)
                    }
                    return replies
                case NLMSG_NOOP, NLMSG_OVERRUN:
                    continue
                default:
                    interrupted = interrupted || Int32(reply.flags) & NLM_F_DUMP_INTR != 0
                    replies.append(reply)
                }
            }
        }
    }

    /// Throws if an NLMSG_ERROR or NLMSG_DONE carries a nonzero error.
    static func checkStatus(_ reply: NetlinkMessage, _ operation: () -> String) throws(NetlinkError) {
        guard reply.payload.count >= 4 else {
            if Int32(reply.type) == NLMSG_DONE { return }
            throw .protocolViolation(operation(), "short NLMSG_ERROR")
        }
        let status = Int32(bitPattern: reply.payload.loadU32(at: reply.payload.startIndex))
        if status == 0 { return }
        throw NetlinkError(
            operation(), errno: -status, kernelMessage: extendedAckMessage(reply), sequenceNumber: reply.sequence)
    }

    /// NLMSGERR_ATTR_MSG from an error ack: after `int error` comes the original request's header
    /// (and, unless NLM_F_CAPPED, its payload), then the TLVs flagged by NLM_F_ACK_TLVS.
    static func extendedAckMessage(_ reply: NetlinkMessage) -> String? {
        guard Int32(reply.flags) & NLM_F_ACK_TLVS != 0 else { return nil }
        let payload = reply.payload
        let echoedStart = payload.startIndex + 4
        guard payload.count >= 4 + NetlinkMessage.headerSize else { return nil }
        let echoedLength = Int(payload.loadU32(at: echoedStart))
        let capped = Int32(reply.flags) & NLM_F_CAPPED != 0
        let tlvStart = echoedStart + (capped ? NetlinkMessage.headerSize : align4(echoedLength))
        guard tlvStart <= payload.endIndex else { return nil }
        return AttributeList(payload[tlvStart...]).string(Int(NLMSGERR_ATTR_MSG.rawValue))
    }

    /// Retries a dump a few times if the kernel reports it was interrupted by a concurrent change.
    func dump(_ build: () -> MessageBuilder, _ operation: @autoclosure () -> String) throws(NetlinkError) -> [NetlinkMessage] {
        var attempt = 0
        while true {
            do {
                return try perform(build(), operation())
            } catch where error.errno == EAGAIN && attempt < 3 {
                attempt += 1
            }
        }
    }
}
#endif
