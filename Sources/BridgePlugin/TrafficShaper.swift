import CNIProtocol

/// The shaping of one attachment: a token bucket on the host veth for traffic towards the
/// container, and, for traffic from it, a redirect of what the host veth receives to `ifb`,
/// which has its own token bucket.
public struct ShapingSpec: Equatable, Sendable {
    public var hostLink: String
    public var ifb: String
    public var limits: BandwidthLimits

    public init(hostLink: String, ifb: String, limits: BandwidthLimits) {
        self.hostLink = hostLink
        self.ifb = ifb
        self.limits = limits
    }
}

/// Traffic shaping in the kernel (the seam between the plugin and traffic control).
///
/// An implementation uses its own kernel socket, so DEL can delete the ifb on one thread while
/// the veth is deleted on another.
public protocol TrafficShaper {
    /// Shapes as `spec` says. Returns the ifb when egress is shaped, for the result.
    func addShaping(_ spec: ShapingSpec) throws -> LinkSnapshot?
    /// Removes the qdiscs from the host link and deletes the ifb; what is missing counts as
    /// removed. Undoes a partial or complete `addShaping`.
    func removeShaping(_ spec: ShapingSpec) throws
    /// Deletes an ifb; `false` when it did not exist.
    func deleteIfb(named name: String) throws -> Bool
    /// The device group that ADD gave the host veth and its ifb, so that DEL deletes both in
    /// one kernel operation; nil when the host link is missing or was not grouped (no egress
    /// shaping).
    func attachmentGroup(ofHostLink name: String) throws -> UInt32?
    /// Deletes every link of an attachment's group: the veth pair and the ifb.
    func deleteAttachmentGroup(_ group: UInt32) throws
    /// Every difference between the kernel and `spec`, in words; empty when they agree.
    func checkShaping(_ spec: ShapingSpec) throws -> [String]
    /// The names of the links in the host namespace, with their kinds ("ifb", "veth"...).
    func linkKinds() throws -> [String: String]
}
