#if canImport(Glibc)
import CNIProtocol
import Glibc
import LinuxSupport
import Netlink

// Gateway, forwarding, carrier wait, and the DEL/CHECK side of the kernel datapath.
extension KernelDatapath {
    func addGatewayAddresses(_ addresses: [IPNetwork], toBridge bridge: String, replaceConflicting: Bool) throws {
        let index = try bridgeIndexForGateway(bridge)
        let present = try hostNetlink.addresses(of: index)
        for gateway in addresses where !present.contains(gateway) {
            for conflicting in present where conflicting.family == gateway.family && conflicting.masked == gateway.masked {
                guard replaceConflicting else {
                    throw CNIError(
                        .invalidNetworkConfig,
                        "bridge \(bridge) already has \(conflicting) in the gateway's subnet, not \(gateway)",
                        details: "set \"forceAddress\": true to replace it")
                }
                try hostNetlink.deleteAddress(conflicting, from: index)
            }
            try addAddressIfMissing(gateway, to: index)
        }
    }

    /// A concurrent ADD on the same network may have added the gateway first.
    private func addAddressIfMissing(_ address: IPNetwork, to index: Int32) throws {
        do {
            try hostNetlink.addAddress(address, to: index, noDAD: true)
        } catch {
            guard error.isExists else { throw error }
        }
    }

    /// Turns forwarding on only for the families in use, and writes nothing when already on.
    func enableForwarding(for families: Set<IPFamily>) throws {
        let keys = families.sorted { $0.rawValue < $1.rawValue }.map {
            $0 == .v4 ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding"
        }
        for key in keys where (try? hostSysctl.get(key)) != "1" {
            if key.hasPrefix("net/ipv6") { try keepAcceptingRouterAdvertisements() }
            try hostSysctl.set(key, "1")
        }
    }

    func waitUntilUp(hostLink name: String) throws {
        try hostNetlink.waitUntilOperUp(index: try hostLinkIndex(named: name), timeoutMilliseconds: Self.carrierTimeout)
    }

    func hostLink(named name: String) throws -> LinkSnapshot? {
        guard let link = try hostNetlink.link(named: name) else { return nil }
        let master = try link.masterIndex.flatMap { try hostNetlink.link(index: $0)?.name }
        return LinkSnapshot(
            name: link.name, kind: link.kind ?? "device", mac: link.macString, mtu: Int(link.mtu), isUp: link.isUp,
            masterName: master)
    }

    func deleteHostLink(named name: String, ownedBy owner: String?) throws -> Bool {
        try startDeletingHostLink(named: name, ownedBy: owner)()
    }

    /// The lookup (and the owner's check) happens here; the wait ends once the kernel has
    /// unregistered the link (`RouteNetlink.startDeletingLink`).
    func startDeletingHostLink(named name: String, ownedBy owner: String?) throws -> () throws -> Bool {
        guard let link = try hostNetlink.link(named: name) else { return { false } }
        if let owner, let recorded = link.alias, recorded != owner { return { false } }
        return try hostNetlink.startDeletingLink(index: link.index)
    }

    /// Succeeds when the namespace path is missing or is not a namespace any more (a leftover
    /// mount point), and when the interface is already gone: the runtime may DEL late.
    func deleteContainerInterface(netns: String, name: String) throws {
        let namespace: NetworkNamespace
        do {
            namespace = try NetworkNamespace.open(path: netns)
        } catch .notFound, .notANamespace {
            return
        }
        guard namespace.inode != NetworkNamespace.currentInode() else {
            throw CNIError(.namespaceUnusable, "CNI_NETNS \(netns) is the plugin's own namespace; refusing to delete \(name) there")
        }
        try RouteNetlink(in: namespace).deleteLink(named: name)
    }

    func inspectContainerInterface(netns: String, name: String, tables: Set<Int>) throws -> ContainerSnapshot? {
        let container = try containerNetlink(netns)
        guard let link = try container.link(named: name) else { return nil }
        var routes: [ContainerRoute] = []
        for table in Set([Int(RouteSpec.mainTable)]).union(tables).sorted() {
            for family in IPFamily.allCases {
                // Routes of the whole namespace, as the reference checks them: a default route
                // that a first interface already provides is not installed again for a second.
                routes += try container.routes(family: family, table: UInt32(clamping: table)).map(Self.containerRoute)
            }
        }
        let snapshot = LinkSnapshot(
            name: link.name, kind: link.kind ?? "device", mac: link.macString, mtu: Int(link.mtu), isUp: link.isUp)
        return ContainerSnapshot(link: snapshot, addresses: try container.addresses(of: link.index), routes: routes)
    }

    private static func containerRoute(_ route: RouteSpec) -> ContainerRoute {
        ContainerRoute(
            destination: route.destination, gateway: route.gateway, priority: route.priority.map(Int.init),
            table: Int(route.table), scope: route.scope.map { Int($0.rawValue) }, mtu: route.mtu.map(Int.init),
            advmss: route.advertisedMSS.map(Int.init))
    }
}
#endif
