#if canImport(Glibc)
import CNIProtocol
import Glibc
import Netlink

/// The real ``TrafficShaper``: traffic control over its own rtnetlink socket in the host
/// namespace.
///
/// Towards the container, a `tbf` at the root of the host veth. From the container, the host
/// veth's ingress qdisc with a `u32` filter matching everything and a `mirred` redirect to the
/// ifb, whose root `tbf` does the shaping. The ifb is shaped before traffic is redirected to it,
/// so nothing passes unshaped while ADD runs.
final class KernelTrafficShaper: TrafficShaper {
    let netlink: RouteNetlink
    /// Queueing allowed on top of the burst before packets drop, as the reference plugin sets it.
    static let queueLatencyMilliseconds: UInt64 = 25

    init(netlink: RouteNetlink) {
        self.netlink = netlink
    }

    /// The bucket for one direction: bits become bytes, and the queue limit is the burst plus
    /// what the rate sends in `queueLatencyMilliseconds`.
    static func tokenBucket(_ direction: BandwidthLimits.Direction) -> TokenBucket {
        let rate = direction.rateBitsPerSecond / 8
        let burst = UInt32(clamping: direction.burstBits / 8)
        let queued = rate.multipliedReportingOverflow(by: queueLatencyMilliseconds).partialValue / 1000
        let limit = UInt32(clamping: queued.addingReportingOverflow(UInt64(burst)).partialValue)
        return TokenBucket(rateBytesPerSecond: rate, burstBytes: burst, limitBytes: limit)
    }

    func addShaping(_ spec: ShapingSpec) throws -> LinkSnapshot? {
        let host = try hostLink(spec.hostLink)
        if let ingress = spec.limits.ingress {
            try netlink.addTokenBucket(Self.tokenBucket(ingress), toLink: host.index)
        }
        guard let egress = spec.limits.egress else { return nil }
        let group = Self.attachmentGroup(ofHostIndex: host.index)
        try netlink.setGroup(host.index, group: group)
        let ifb = try createIfb(named: spec.ifb, mtu: host.mtu, group: group)
        try netlink.addTokenBucket(Self.tokenBucket(egress), toLink: ifb.index)
        try netlink.addIngressQdisc(toLink: host.index)
        try netlink.addRedirectFilter(onIngressOf: host.index, to: ifb.index)
        return LinkSnapshot(name: ifb.name, kind: "ifb", mac: ifb.macString, mtu: Int(ifb.mtu), isUp: true)
    }

    /// ADD has just created the host veth exclusively, so an ifb already carrying its name is
    /// the leftover of an earlier attachment whose DEL never came: it is replaced.
    private func createIfb(named name: String, mtu: UInt32, group: UInt32) throws -> LinkInfo {
        if try !addIfbUnlessExists(named: name, mtu: mtu, group: group) {
            guard try netlink.link(named: name)?.kind == "ifb" else {
                throw CNIError(.linkConflict, "\(name) already exists and is not an ifb", details: "remove the link or rename it")
            }
            try netlink.deleteLink(named: name)
            try netlink.addIfb(named: name, mtu: mtu, group: group)
        }
        guard let ifb = try netlink.link(named: name) else { throw CNIError(.kernel, "ifb \(name) vanished after creation") }
        return ifb
    }

    /// - Returns: false when a link of that name exists.
    private func addIfbUnlessExists(named name: String, mtu: UInt32, group: UInt32) throws(NetlinkError) -> Bool {
        do {
            try netlink.addIfb(named: name, mtu: mtu, group: group)
            return true
        } catch {
            guard error.isExists else { throw error }
            return false
        }
    }

    func removeShaping(_ spec: ShapingSpec) throws {
        if let host = try netlink.link(named: spec.hostLink) {
            try netlink.deleteQdisc(ofLink: host.index, at: .root)
            try netlink.deleteQdisc(ofLink: host.index, at: .ingress)
        }
        _ = try deleteIfb(named: spec.ifb)
    }

    func deleteIfb(named name: String) throws -> Bool {
        try netlink.deleteLink(named: name)
    }

    /// The group of a shaped attachment's veth and ifb: the veth's index (unique among the
    /// namespace's live links) with the top bit set, far from the small numbers operators give
    /// groups by hand. Deleting the two links separately costs two grace-period waits that the
    /// kernel serializes; as one group, one.
    static func attachmentGroup(ofHostIndex index: Int32) -> UInt32 {
        0x8000_0000 | UInt32(bitPattern: index)
    }

    /// The host veth's index that ``attachmentGroup(ofHostIndex:)`` put in the group number.
    static func hostIndex(ofAttachmentGroup group: UInt32) -> Int32 {
        Int32(bitPattern: group & 0x7FFF_FFFF)
    }

    func attachmentGroup(ofHostLink name: String) throws -> UInt32? {
        guard let host = try netlink.link(named: name), host.group == Self.attachmentGroup(ofHostIndex: host.index) else {
            return nil
        }
        return host.group
    }

    /// Returns once the kernel has unregistered the group (`RouteNetlink.startDeletingLinks`),
    /// watching the host veth, whose index the group number carries.
    func deleteAttachmentGroup(_ group: UInt32) throws {
        _ = try netlink.startDeletingLinks(inGroup: group, watching: Self.hostIndex(ofAttachmentGroup: group))()
    }

    func linkKinds() throws -> [String: String] {
        Dictionary(try netlink.links().map { ($0.name, $0.kind ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    private func hostLink(_ name: String) throws -> LinkInfo {
        guard let link = try netlink.link(named: name) else { throw CNIError(.kernel, "host interface \(name) is missing") }
        return link
    }
}
#endif
