#if canImport(Glibc)
import LinuxSupport

/// Everything `RouteNetlink.addVethPair(_:)` needs to create a veth pair in one request.
public struct VethPairSpec {
    /// The end created in the transport's namespace (the host end, e.g. `veth1a2b3c4d`).
    public var name: String
    /// The other end (the container's `CNI_IFNAME`, e.g. `eth0`).
    public var peerName: String
    /// Where the peer is born (`IFLA_NET_NS_FD`); nil for the transport's namespace.
    public var peerNamespace: NetworkNamespace?
    /// MTU of both ends; nil for the kernel default.
    public var mtu: UInt32?
    /// A fixed peer MAC; nil lets the kernel pick a random one.
    public var peerMAC: [UInt8]?
    /// Enslave the local end to this bridge at creation (`IFLA_MASTER`).
    public var masterIndex: Int32?
    /// Bring the local end up at creation (`ifi_flags` IFF_UP). The peer is always created down.
    public var localUp: Bool

    public init(
        name: String, peerName: String, peerNamespace: NetworkNamespace? = nil, mtu: UInt32? = nil,
        peerMAC: [UInt8]? = nil, masterIndex: Int32? = nil, localUp: Bool = false
    ) {
        self.name = name
        self.peerName = peerName
        self.peerNamespace = peerNamespace
        self.mtu = mtu
        self.peerMAC = peerMAC
        self.masterIndex = masterIndex
        self.localUp = localUp
    }
}
#endif
