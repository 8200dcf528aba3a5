#if canImport(Glibc)
import CNIProtocol
import CNetlinkShims
import Glibc

/// Connection tracking over ctnetlink (`NETLINK_NETFILTER`, subsystem `NFNL_SUBSYS_CTNETLINK`).
///
/// Only what port mappings need: forgetting the flows to a host port, so that datagrams of a
/// UDP flow that started before a mapping existed (or went to a previous container) are NATed
/// afresh instead of following their old conntrack entry. The request/reply machinery is
/// `RouteNetlink`'s, over a netfilter socket.
public final class ConntrackNetlink {
    let channel: RouteNetlink

    public init(transport: any NetlinkTransport) {
        channel = RouteNetlink(transport: transport)
    }

    /// Opens a netfilter netlink socket in the calling thread's namespace.
    public convenience init() throws(NetlinkError) {
        self.init(transport: try MNLTransport.open(bus: NETLINK_NETFILTER))
    }

    /// The flows an entry is selected by: original-direction protocol, destination port and,
    /// optionally, destination address.
    public struct Selector: Hashable, Sendable {
        public var protocolNumber: UInt8
        public var destinationPort: UInt16
        public var destination: IPAddress?

        public init(protocolNumber: UInt8, destinationPort: UInt16, destination: IPAddress? = nil) {
            self.protocolNumber = protocolNumber
            self.destinationPort = destinationPort
            self.destination = destination
        }
    }

    /// Deletes every entry of `family` that one of `selectors` matches; an entry that vanished
    /// meanwhile is not an error.
    ///
    /// `conntrack -D -f ipv4 -p udp --orig-port-dst <port> [--orig-dst <address>]`
    ///
    /// The kernel cannot delete by port, so this dumps the entries of each selector (one
    /// request each, filtered in the kernel with `CTA_FILTER`, so the host's other flows are
    /// never copied out) and deletes each match by its original tuple (`IPCTNL_MSG_CT_DELETE`).
    /// A kernel without `CTA_FILTER` (before 5.8) ignores it and dumps everything; the
    /// selectors are matched here as well.
    /// - Returns: how many entries this call deleted.
    @discardableResult
    public func deleteEntries(family: IPFamily, matching selectors: [Selector]) throws(NetlinkError) -> Int {
        var deleted = 0
        for selector in selectors {
            deleted += try deleteEntries(family: family, matching: selector)
        }
        return deleted
    }

    /// The original tuples of the entries the kernel lists for `selector` (all of the family's
    /// if it cannot filter).
    func listEntries(family: IPFamily, matching selector: Selector) throws(NetlinkError) -> [ConntrackTuple] {
        let transport = channel.transport
        let replies = try channel.dump(
            { Self.filteredDump(family: family, selector, sequence: transport.nextSequenceNumber()) },
            "IPCTNL_MSG_CT_GET dump \(family) proto \(selector.protocolNumber) dport \(selector.destinationPort)")
        return replies.compactMap(ConntrackTuple.init)
    }

    private func deleteEntries(family: IPFamily, matching selector: Selector) throws(NetlinkError) -> Int {
        let transport = channel.transport
        var deleted = 0
        for tuple in try listEntries(family: family, matching: selector) where tuple.matches(selector) {
            let message = Self.request(CTMessage.delete, family: family, sequence: transport.nextSequenceNumber(), dump: false)
            tuple.put(into: message)
            do {
                try channel.perform(message, "IPCTNL_MSG_CT_DELETE \(tuple)")
                deleted += 1
            } catch where error.errno == ENOENT {
                continue
            }
        }
        return deleted
    }

    /// `conntrack -L -f <family> -p <proto> --orig-port-dst <port> [--orig-dst <address>]`: a
    /// dump of the entries whose original tuple has the selector's protocol, destination port
    /// and (if given) destination address.
    static func filteredDump(family: IPFamily, _ selector: Selector, sequence: UInt32) -> MessageBuilder {
        let message = request(CTMessage.get, family: family, sequence: sequence, dump: true)
        var flags = CTMessage.filterProtocolNumber | CTMessage.filterDestinationPort
        message.nest(CTMessage.tupleOriginal) {
            if let destination = selector.destination, destination.family == family {
                flags |= CTMessage.filterDestinationAddress
                message.nest(CTMessage.tupleIP) { message.put(family == .v4 ? 2 : 4, bytes: destination.bytes) }
            }
            message.nest(CTMessage.tupleProtocol) {
                message.put(CTMessage.protocolNumber, u8: selector.protocolNumber)
                message.put(CTMessage.destinationPort, u16: selector.destinationPort.bigEndian)
            }
        }
        message.nest(CTMessage.filter) {
            message.put(CTMessage.filterOriginalFlags, u32: flags)
            message.put(CTMessage.filterReplyFlags, u32: 0)
        }
        return message
    }

    /// A ctnetlink request: header, `nfgenmsg` with the family.
    static func request(_ type: Int, family: IPFamily, sequence: UInt32, dump: Bool) -> MessageBuilder {
        let flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK)
        let message = MessageBuilder(type: CTMessage.subsystem << 8 | type, flags: flags, sequence: sequence)
        message.append(nfgenmsg(nfgen_family: UInt8(family == .v4 ? AF_INET : AF_INET6), version: UInt8(NFNETLINK_V0), res_id: 0))
        return message
    }
}

/// ctnetlink message types and attributes (`linux/netfilter/nfnetlink_conntrack.h`).
enum CTMessage {
    static let subsystem = 1  // NFNL_SUBSYS_CTNETLINK
    static let get = 1  // IPCTNL_MSG_CT_GET
    static let delete = 2  // IPCTNL_MSG_CT_DELETE
    static let tupleOriginal = 1  // CTA_TUPLE_ORIG
    static let zone = 18  // CTA_ZONE
    static let tupleIP = 1  // CTA_TUPLE_IP
    static let tupleProtocol = 2  // CTA_TUPLE_PROTO
    static let protocolNumber = 1  // CTA_PROTO_NUM
    static let sourcePort = 2  // CTA_PROTO_SRC_PORT
    static let destinationPort = 3  // CTA_PROTO_DST_PORT
    static let filter = 25  // CTA_FILTER (Linux 5.8)
    static let filterOriginalFlags = 1  // CTA_FILTER_ORIG_FLAGS (host byte order)
    static let filterReplyFlags = 2  // CTA_FILTER_REPLY_FLAGS
    static let filterDestinationAddress: UInt32 = 1 << 1  // CTA_FILTER_FLAG(CTA_IP_DST)
    static let filterProtocolNumber: UInt32 = 1 << 3  // CTA_FILTER_FLAG(CTA_PROTO_NUM)
    static let filterDestinationPort: UInt32 = 1 << 5  // CTA_FILTER_FLAG(CTA_PROTO_DST_PORT)
}

/// The original-direction tuple of a conntrack entry, as far as a deletion needs it.
struct ConntrackTuple: CustomStringConvertible {
    var source: IPAddress
    var destination: IPAddress
    var protocolNumber: UInt8
    var sourcePort: UInt16
    var destinationPort: UInt16
    var zone: UInt16?

    /// Parses an `IPCTNL_MSG_CT_NEW` dump message; `nil` if it has no usable tuple.
    init?(_ message: NetlinkMessage) {
        guard message.payload.count > 4 else { return nil }
        let attributes = AttributeList(message.payload.dropFirst(4))
        guard let tuple = attributes.nested(CTMessage.tupleOriginal), let ip = tuple.nested(CTMessage.tupleIP),
              let ports = tuple.nested(CTMessage.tupleProtocol), let number = ports.u8(CTMessage.protocolNumber)
        else { return nil }
        // CTA_IP_V4_SRC/DST are 1/2, CTA_IP_V6_SRC/DST 3/4.
        guard let source = (ip[1] ?? ip[3]).flatMap({ IPAddress(bytes: Array($0)) }),
              let destination = (ip[2] ?? ip[4]).flatMap({ IPAddress(bytes: Array($0)) })
        else { return nil }
        self.source = source
        self.destination = destination
        protocolNumber = number
        sourcePort = UInt16(bigEndian: ports.u16(CTMessage.sourcePort) ?? 0)
        destinationPort = UInt16(bigEndian: ports.u16(CTMessage.destinationPort) ?? 0)
        zone = attributes.u16(CTMessage.zone).map { UInt16(bigEndian: $0) }
    }

    func matches(_ selector: ConntrackNetlink.Selector) -> Bool {
        selector.protocolNumber == protocolNumber && selector.destinationPort == destinationPort
            && (selector.destination == nil || selector.destination == destination)
    }

    /// Appends the tuple (and zone) that names this entry in a deletion.
    func put(into message: MessageBuilder) {
        let v4 = source.family == .v4
        message.nest(CTMessage.tupleOriginal) {
            message.nest(CTMessage.tupleIP) {
                message.put(v4 ? 1 : 3, bytes: source.bytes)
                message.put(v4 ? 2 : 4, bytes: destination.bytes)
            }
            message.nest(CTMessage.tupleProtocol) {
                message.put(CTMessage.protocolNumber, u8: protocolNumber)
                message.put(CTMessage.sourcePort, u16: sourcePort.bigEndian)
                message.put(CTMessage.destinationPort, u16: destinationPort.bigEndian)
            }
        }
        if let zone { message.put(CTMessage.zone, u16: zone.bigEndian) }
    }

    var description: String {
        "proto \(protocolNumber) \(source):\(sourcePort) -> \(destination):\(destinationPort)"
    }
}
#endif
