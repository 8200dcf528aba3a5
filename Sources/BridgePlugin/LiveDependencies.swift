#if canImport(Glibc)
import CNIProtocol
import IPAM
import LinuxSupport
import Netlink
import Nftables

/// The real collaborators: rtnetlink and nftables sockets in the caller's (host) namespace, and
/// the IPAM the configuration names. Sockets are opened on first use and shared for the whole
/// invocation, so a DEL that needs no firewall opens no netfilter socket.
public final class LiveDependencies: BridgeDependencies {
    private var datapathInstance: KernelDatapath?
    private var firewallInstance: NftablesFirewall?
    private var shaperInstance: KernelTrafficShaper?
    private let allowOwnNamespace: Bool

    /// - Parameter allowOwnNamespace: `CNI_NETNS_OVERRIDE`, which lets `CNI_NETNS` be the
    ///   plugin's own namespace.
    public init(allowOwnNamespace: Bool = false) {
        self.allowOwnNamespace = allowOwnNamespace
    }

    public func datapath(for request: PluginRequest) throws -> Datapath {
        if let datapathInstance { return datapathInstance }
        let datapath = KernelDatapath(host: try RouteNetlink())
        datapath.allowOwnNamespace = allowOwnNamespace
        datapathInstance = datapath
        return datapath
    }

    public func firewall() throws -> Firewall {
        if let firewallInstance { return firewallInstance }
        let firewall = NftablesFirewall(transport: try MNLNftablesTransport())
        firewallInstance = firewall
        return firewall
    }

    public func trafficShaper() throws -> TrafficShaper {
        if let shaperInstance { return shaperInstance }
        let shaper = KernelTrafficShaper(netlink: try RouteNetlink())
        shaperInstance = shaper
        return shaper
    }

    public func addressManager(for request: PluginRequest) throws -> (any AddressManager)? {
        try makeAddressManager(for: request)
    }
}
#endif
