#if canImport(Glibc)
import CNetlinkShims
import Glibc

/// Reading traffic control state back: one qdisc by attachment point, and where a device's
/// ingress filters redirect to. Both ask about one device only, so their cost does not grow with
/// the number of devices (a qdisc dump would list every device's).
extension RouteNetlink {
    /// The qdisc at `attachment` of a device, or nil if there is none (no ingress qdisc, or no
    /// device). `tc qdisc show dev <index> root|ingress`
    ///
    /// The corresponding kernel message is a non-dump `RTM_GETQDISC` naming the parent, with
    /// `NLM_F_ECHO`: recent kernels (6.18 here) answer a get without it with a bare ack.
    public func qdisc(ofLink index: Int32, at attachment: QdiscAttachment) throws(NetlinkError) -> QdiscInfo? {
        let message = qdiscRequest(RTM_GETQDISC, index: index, handle: 0, at: attachment, flags: NLM_F_ECHO)
        do {
            return try perform(message, "RTM_GETQDISC \(attachment) of index \(index)").lazy.compactMap(Self.qdiscInfo).first
        } catch where error.errno == ENOENT || error.errno == ENODEV {
            return nil
        }
    }

    /// The devices that the `mirred` actions of a device's ingress filters redirect to.
    /// `tc filter show dev <index> ingress`
    ///
    /// The corresponding kernel message is an `RTM_GETTFILTER` dump of the device's `ffff:` qdisc.
    public func ingressRedirectTargets(ofLink index: Int32) throws(NetlinkError) -> [Int32] {
        let replies = try dump({ () -> MessageBuilder in
            let message = dumpRequest(Int(RTM_GETTFILTER))
            var header = tcmsg()
            header.tcm_ifindex = index
            header.tcm_parent = Self.ingressHandle
            message.append(header)
            return message
        }, "RTM_GETTFILTER dump of index \(index) ingress")
        return replies.flatMap(Self.redirectTargets)
    }

    static let tcmsgSize = MemoryLayout<tcmsg>.size

    static func qdiscInfo(_ reply: NetlinkMessage) -> QdiscInfo? {
        guard Int32(reply.type) == RTM_NEWQDISC, reply.payload.count >= tcmsgSize else { return nil }
        let start = reply.payload.startIndex
        let attributes = AttributeList(reply.payload[(start + tcmsgSize)...])
        guard let kind = attributes.string(Int(TCA_KIND)) else { return nil }
        var info = QdiscInfo(
            kind: kind, handle: reply.payload.loadU32(at: start + 8), parent: reply.payload.loadU32(at: start + 12))
        if kind == "tbf", let options = attributes.nested(Int(TCA_OPTIONS)) {
            info.tokenBucket = tokenBucketReading(options)
        }
        return info
    }

    /// `tc_tbf_qopt`: rate at offset 8 (inside the first `tc_ratespec`), limit at 24, buffer at 28.
    private static func tokenBucketReading(_ options: AttributeList) -> TokenBucketReading? {
        guard let parameters = options[Int(TCA_TBF_PARMS)], parameters.count >= MemoryLayout<tc_tbf_qopt>.size else {
            return nil
        }
        let start = parameters.startIndex
        var rate = UInt64(parameters.loadU32(at: start + 8))
        if let rate64 = options[Int(TCA_TBF_RATE64)], rate64.count >= 8 {
            rate = UInt64(rate64.loadU32(at: rate64.startIndex)) | UInt64(rate64.loadU32(at: rate64.startIndex + 4)) << 32
        }
        return TokenBucketReading(
            rateBytesPerSecond: rate, limitBytes: parameters.loadU32(at: start + 24), bufferTicks: parameters.loadU32(at: start + 28))
    }

    /// The `ifindex` of every egress-redirecting `mirred` action of one filter message.
    static func redirectTargets(_ reply: NetlinkMessage) -> [Int32] {
        guard Int32(reply.type) == RTM_NEWTFILTER, reply.payload.count >= tcmsgSize else { return [] }
        let attributes = AttributeList(reply.payload[(reply.payload.startIndex + tcmsgSize)...])
        guard let actions = attributes.nested(Int(TCA_OPTIONS))?.nested(Int(TCA_U32_ACT)) else { return [] }
        return actions.entries.compactMap { entry -> Int32? in
            let action = AttributeList(entry.value)
            guard action.string(Int(TCA_ACT_KIND)) == "mirred",
                let parameters = action.nested(Int(TCA_ACT_OPTIONS))?[Int(TCA_MIRRED_PARMS)],
                parameters.count >= MemoryLayout<tc_mirred>.size
            else { return nil }
            // tc_mirred: five u32 of tc_gen, then eaction at 20 and ifindex at 24.
            guard Int32(bitPattern: parameters.loadU32(at: parameters.startIndex + 20)) == TCA_EGRESS_REDIR else { return nil }
            return Int32(bitPattern: parameters.loadU32(at: parameters.startIndex + 24))
        }
    }
}
#endif
