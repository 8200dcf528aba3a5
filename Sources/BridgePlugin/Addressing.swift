import CNIProtocol

/// The addresses, gateways and routes of one attachment, derived from the IPAM result the way
/// the reference bridge plugin derives them.
struct Addressing {
    /// `RT_SCOPE_LINK`; larger scopes (host, nowhere) are nearer still.
    static let linkScope = 253

    /// Container addresses, each with its gateway (the IPAM's, or the subnet's first host).
    var ips: [CNIResult.IPConfiguration] = []
    /// Routes reported in the result: the IPAM's, plus a default route per family with
    /// `isDefaultGateway` when the IPAM gave none.
    var resultRoutes: [CNIResult.Route] = []
    var dns = DNS()
    /// Addresses the IPAM hands out for the first time on this node: no neighbour has them cached.
    var firstUse: Set<IPAddress> = []

    init() {}

    init(ipamResult: CNIResult, isDefaultGateway: Bool) {
        ips = ipamResult.ips.map { ip in
            let gateway = ip.gateway ?? ip.address.networkAddress.advanced(by: 1)
            return CNIResult.IPConfiguration(address: ip.address, gateway: gateway)
        }
        resultRoutes = ipamResult.routes
        dns = ipamResult.dns
        if isDefaultGateway { addDefaultRoutes() }
    }

    private mutating func addDefaultRoutes() {
        for family in IPFamily.allCases {
            let hasDefault = resultRoutes.contains { $0.destination.family == family && $0.destination.prefixLength == 0 }
            guard !hasDefault, let gateway = gateway(for: family),
                let everything = IPNetwork(address: family == .v4 ? .v4(0) : .v6(0), prefixLength: 0)
            else { continue }
            resultRoutes.append(CNIResult.Route(destination: everything, gateway: gateway))
        }
    }

    /// The first gateway of a family; routes without a gateway go through it.
    func gateway(for family: IPFamily) -> IPAddress? {
        ips.first { $0.address.family == family }?.gateway
    }

    /// Gateway addresses with the subnet's prefix, one per subnet, to put on the bridge.
    var gatewayAddresses: [IPNetwork] {
        var seen: Set<IPNetwork> = []
        var addresses: [IPNetwork] = []
        for ip in ips {
            guard let gateway = ip.gateway, let address = IPNetwork(address: gateway, prefixLength: ip.address.prefixLength)
            else { continue }
            if seen.insert(address).inserted { addresses.append(address) }
        }
        return addresses
    }

    /// The routes to install in the container. A route without a gateway uses its family's
    /// gateway, as the reference plugin does, except a route scoped to the link or the host,
    /// which by definition has no next hop (the kernel refuses one).
    var containerRoutes: [ContainerRoute] {
        resultRoutes.map { route in
            let onLink = (route.scope ?? 0) >= Self.linkScope
            return ContainerRoute(
                destination: route.destination.masked,
                gateway: route.gateway ?? (onLink ? nil : gateway(for: route.destination.family)),
                priority: route.priority, table: route.table, scope: route.scope, mtu: route.mtu, advmss: route.advmss)
        }
    }
}
