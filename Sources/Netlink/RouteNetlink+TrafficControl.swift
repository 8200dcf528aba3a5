#if canImport(Glibc)
import CNetlinkShims
import Glibc

/// Traffic control: `ifb` devices, `tbf` and `ingress` qdiscs, and the `u32` + `mirred` filter
/// that redirects what a device receives to an `ifb`, where it can be shaped as egress.
///
/// Only what this kernel family supports everywhere is used: no `matchall`, no `clsact`.
extension RouteNetlink {
    /// The handle `tc` writes as `1:` (major 1, minor 0), given to the root `tbf`.
    static let rootTokenBucketHandle: UInt32 = 0x0001_0000
    /// The handle of the ingress qdisc, `ffff:`.
    static let ingressHandle: UInt32 = 0xFFFF_0000

    /// Creates an `ifb` device, up. `ip link add name <name> mtu <mtu> [group <group>] up type ifb`
    ///
    /// The corresponding kernel message is `RTM_NEWLINK` with `NLM_F_CREATE|NLM_F_EXCL` and
    /// `IFLA_INFO_KIND "ifb"`.
    /// - Throws: `NetlinkError` with `isExists` if a link of that name exists.
    public func addIfb(named name: String, mtu: UInt32?, group: UInt32? = nil) throws(NetlinkError) {
        let message = request(Int(RTM_NEWLINK), flags: NLM_F_CREATE | NLM_F_EXCL)
        var header = ifinfomsg()
        header.ifi_flags = UInt32(IFF_UP)
        header.ifi_change = UInt32(IFF_UP)
        message.append(header)
        message.put(Int(IFLA_IFNAME), string: name)
        if let mtu { message.put(Int(IFLA_MTU), u32: mtu) }
        if let group { message.put(Int(IFLA_GROUP), u32: group) }
        message.nest(Int(IFLA_LINKINFO)) {
            message.put(Int(IFLA_INFO_KIND), string: "ifb")
        }
        try perform(message, "RTM_NEWLINK ifb \(name)")
    }

    /// Puts a token-bucket qdisc at the root of a device, shaping what it sends.
    /// `tc qdisc add dev <index> root handle 1: tbf rate <rate>bps burst <burst>b limit <limit>b`
    ///
    /// The corresponding kernel message is `RTM_NEWQDISC` with `TCA_KIND "tbf"` and `TCA_OPTIONS`
    /// holding `TCA_TBF_PARMS`, `TCA_TBF_RATE64` (only for rates of 2³² bytes/s and more) and
    /// `TCA_TBF_BURST`. No rate table is sent: the link layer is given as Ethernet, so the
    /// kernel computes transmission times itself.
    public func addTokenBucket(_ bucket: TokenBucket, toLink index: Int32) throws(NetlinkError) {
        let message = qdiscRequest(RTM_NEWQDISC, index: index, handle: Self.rootTokenBucketHandle, at: .root,
                                   flags: NLM_F_CREATE | NLM_F_EXCL)
        message.put(Int(TCA_KIND), string: "tbf")
        message.nest(Int(TCA_OPTIONS)) {
            message.put(Int(TCA_TBF_PARMS), bytes: Self.tokenBucketParameters(bucket))
            if bucket.rateBytesPerSecond > UInt64(UInt32.max) {
                message.put(Int(TCA_TBF_RATE64), u64: bucket.rateBytesPerSecond)
            }
            message.put(Int(TCA_TBF_BURST), u32: bucket.burstBytes)
        }
        try perform(message, "RTM_NEWQDISC tbf on index \(index)")
    }

    /// Adds the ingress qdisc to a device, so filters can act on what it receives.
    /// `tc qdisc add dev <index> handle ffff: ingress`
    public func addIngressQdisc(toLink index: Int32) throws(NetlinkError) {
        let message = qdiscRequest(RTM_NEWQDISC, index: index, handle: Self.ingressHandle, at: .ingress,
                                   flags: NLM_F_CREATE | NLM_F_EXCL)
        message.put(Int(TCA_KIND), string: "ingress")
        try perform(message, "RTM_NEWQDISC ingress on index \(index)")
    }

    /// Redirects everything a device receives to the egress of another device.
    /// `tc filter add dev <index> parent ffff: protocol all prio 1 u32 match u32 0 0
    ///  action mirred egress redirect dev <target>`
    ///
    /// The corresponding kernel message is `RTM_NEWTFILTER` with `TCA_KIND "u32"`: one selector
    /// key with mask 0 (matching every packet) and, in `TCA_U32_ACT`, a `mirred` action whose
    /// `tc_mirred` says egress redirect (`TCA_EGRESS_REDIR`, verdict `TC_ACT_STOLEN`).
    public func addRedirectFilter(onIngressOf index: Int32, to target: Int32) throws(NetlinkError) {
        let message = request(Int(RTM_NEWTFILTER), flags: NLM_F_CREATE | NLM_F_EXCL)
        var header = tcmsg()
        header.tcm_family = UInt8(AF_UNSPEC)
        header.tcm_ifindex = index
        header.tcm_parent = Self.ingressHandle
        // Priority 1 in the upper half, the protocol (ETH_P_ALL) in network order in the lower.
        header.tcm_info = 1 << 16 | UInt32(UInt16(ETH_P_ALL).bigEndian)
        message.append(header)
        message.put(Int(TCA_KIND), string: "u32")
        message.nest(Int(TCA_OPTIONS)) {
            message.put(Int(TCA_U32_SEL), bytes: Self.matchEverySelector)
            message.nest(Int(TCA_U32_ACT)) {
                message.nest(1) {  // the first action of the list
                    message.put(Int(TCA_ACT_KIND), string: "mirred")
                    message.nest(Int(TCA_ACT_OPTIONS)) {
                        message.put(Int(TCA_MIRRED_PARMS), bytes: Self.egressRedirect(to: target))
                    }
                }
            }
        }
        try perform(message, "RTM_NEWTFILTER u32 redirect on index \(index) to index \(target)")
    }

    /// Removes the qdisc at one attachment point; returns false if there was none.
    /// `tc qdisc del dev <index> root|ingress`
    @discardableResult
    public func deleteQdisc(ofLink index: Int32, at attachment: QdiscAttachment) throws(NetlinkError) -> Bool {
        let message = qdiscRequest(RTM_DELQDISC, index: index, handle: 0, at: attachment)
        do {
            try perform(message, "RTM_DELQDISC \(attachment) of index \(index)")
            return true
        } catch where error.errno == ENOENT || error.errno == EINVAL || error.errno == ENODEV {
            // ENOENT: no such qdisc; EINVAL: deleting the default root qdisc; ENODEV: no device.
            return false
        }
    }

    // MARK: - Helpers

    /// A qdisc request: `struct tcmsg` with the device, the handle and the parent.
    func qdiscRequest(_ type: Int, index: Int32, handle: UInt32, at attachment: QdiscAttachment,
                      flags: Int32 = 0) -> MessageBuilder {
        let message = request(type, flags: flags)
        var header = tcmsg()
        header.tcm_family = UInt8(AF_UNSPEC)
        header.tcm_ifindex = index
        header.tcm_handle = handle
        header.tcm_parent = attachment == .root ? TC_H_ROOT : TC_H_INGRESS
        message.append(header)
        return message
    }

    /// `struct tc_tbf_qopt`: the rate (capped at 2³²−1 when `TCA_TBF_RATE64` carries it), no
    /// peak rate, the limit and the buffer time.
    static func tokenBucketParameters(_ bucket: TokenBucket) -> [UInt8] {
        var parameters = tc_tbf_qopt()
        parameters.rate.linklayer = UInt8(TC_LINKLAYER_ETHERNET.rawValue)
        parameters.rate.rate = UInt32(clamping: bucket.rateBytesPerSecond)
        parameters.limit = bucket.limitBytes
        parameters.buffer = bucket.bufferTicks
        return withUnsafeBytes(of: parameters) { Array($0) }
    }

    /// `struct tc_u32_sel` with one `tc_u32_key` of mask 0 and value 0 at offset 0, flagged
    /// terminal: it matches every packet (`match u32 0 0`). Written out because the struct ends
    /// in a flexible array that Swift does not import.
    static let matchEverySelector: [UInt8] = {
        var selector = [UInt8](repeating: 0, count: 16 + 16)
        selector[0] = UInt8(TC_U32_TERMINAL)  // flags
        selector[2] = 1  // nkeys
        return selector
    }()

    /// `struct tc_mirred`: redirect to the egress of `target`, and steal the packet.
    static func egressRedirect(to target: Int32) -> [UInt8] {
        var parameters = tc_mirred()
        parameters.action = TC_ACT_STOLEN
        parameters.eaction = TCA_EGRESS_REDIR
        parameters.ifindex = UInt32(bitPattern: target)
        return withUnsafeBytes(of: parameters) { Array($0) }
    }
}

extension QdiscAttachment: CustomStringConvertible {
    public var description: String { self == .root ? "root" : "ingress" }
}
#endif
