#if canImport(Glibc)
import CNIProtocol
import Glibc
import LinuxSupport
import Netlink
import Nftables

/// The real ``Datapath``: rtnetlink through libmnl, sysctls through `LinuxSupport`.
///
/// One socket talks to the host namespace (the caller's). Container-side work uses a socket
/// opened *inside* the container namespace, so this thread never changes namespace; only the
/// container's sysctls are written from a short-lived thread that enters it.
final class KernelDatapath: Datapath {
    let hostNetlink: RouteNetlink
    let hostSysctl: Sysctl
    private var containers: [String: (namespace: NetworkNamespace, netlink: RouteNetlink)] = [:]
    private var bridgeIndexes: [String: Int32] = [:]
    /// Host ends created by this request, so later steps need not look them up again.
    private var createdHostLinks: [String: Int32] = [:]
    /// The bridges this request holds (see `KernelDatapath+BridgeLock.swift`).
    var bridgeLocks: [String: FileLock] = [:]
    /// How long ADD waits, at most, for the host end to get carrier, in milliseconds.
    static let carrierTimeout = 3000

    /// `CNI_NETNS_OVERRIDE`: the caller really means the plugin's own namespace.
    var allowOwnNamespace = false

    init(host: RouteNetlink, sysctl: Sysctl = Sysctl()) {
        hostNetlink = host
        hostSysctl = sysctl
    }

    // MARK: Bridge

    func ensureBridge(_ spec: BridgeSpec) throws -> (bridge: LinkSnapshot, created: Bool) {
        try holdBridge(named: spec.name)
        if let existing = try hostNetlink.link(named: spec.name) {
            return (try adopt(existing, spec), false)
        }
        var created = true
        do {
            // A bridge takes the lowest MAC of its ports unless its own was set explicitly. It gets
            // its final MAC in the request that creates it, so an ADD racing this one can never
            // record a MAC the bridge later drops, and every result (and CHECK) stays valid.
            // Snooping is off unless asked for: see `BridgeConfiguration.multicastSnooping`.
            try hostNetlink.addBridge(
                named: spec.name, mac: Self.newBridgeMAC(named: spec.name).bytes, mtu: spec.mtu.map(UInt32.init),
                vlanFiltering: spec.vlanFiltering ? true : nil, multicastSnooping: spec.multicastSnooping ? nil : false,
                up: true)
        } catch {
            if error.errno == EOPNOTSUPP && spec.vlanFiltering { throw Self.vlanFilteringUnsupported(error) }
            guard error.isExists else { throw error }
            created = false  // a concurrent ADD made it first
        }
        guard let bridge = try hostNetlink.link(named: spec.name) else {
            throw CNIError(.kernel, "bridge \(spec.name) vanished right after it was created")
        }
        return (try adopt(bridge, spec), created)
    }

    /// ``BridgeNaming/bridgeMAC(named:machineID:)`` with this host's `/etc/machine-id`, or a
    /// random MAC on a host without one.
    static func newBridgeMAC(named name: String) -> MACAddress {
        var bytes: [UInt8] = []
        do {
            bytes = try DirectoryHandle(path: "/etc").readFile("machine-id", limit: 64) ?? []
        } catch {
            // An unreadable machine ID only costs the MAC's stability across re-creation.
        }
        let machineID = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        return machineID.isEmpty ? .randomLocallyAdministered() : BridgeNaming.bridgeMAC(named: name, machineID: machineID)
    }

    /// Checks an existing link is a bridge and brings it to the wanted state.
    private func adopt(_ link: LinkInfo, _ spec: BridgeSpec) throws -> LinkSnapshot {
        guard link.kind == "bridge" else {
            throw CNIError(
                .linkConflict, "\(spec.name) already exists and is a \(link.kind ?? "device") link, not a bridge",
                details: "choose another \"bridge\" name or remove the link")
        }
        if !link.isUp { try hostNetlink.setUp(link.index) }
        if spec.promiscuous && !link.isPromiscuous { try hostNetlink.setPromiscuous(link.index, on: true) }
        if spec.vlanFiltering && link.bridgeVLANFiltering != true {
            do {
                try hostNetlink.setBridgeVLANFiltering(link.index, on: true)
            } catch {
                throw error.errno == EOPNOTSUPP ? Self.vlanFilteringUnsupported(error) : error
            }
        }
        if link.group != NetworkIsolation.bridgeGroup { try hostNetlink.setGroup(link.index, group: NetworkIsolation.bridgeGroup) }
        bridgeIndexes[spec.name] = link.index
        return snapshot(link, master: nil)
    }

    /// Code 2, naming the keys: the configuration asks for something this kernel cannot do.
    private static func vlanFilteringUnsupported(_ error: NetlinkError) -> CNIError {
        CNIError(
            .unsupportedField, "\"vlan\"/\"vlanTrunk\" need bridge VLAN filtering, which this kernel does not support",
            details: "\(error); the kernel needs CONFIG_BRIDGE_VLAN_FILTERING")
    }

    func deleteBridgeIfUnused(named name: String) throws {
        try withBridgeExclusively(named: name) {
            guard let bridge = try hostNetlink.link(named: name), bridge.kind == "bridge" else { return }
            let ports = try hostNetlink.links().filter { $0.masterIndex == bridge.index }
            if ports.isEmpty { try hostNetlink.deleteLink(index: bridge.index) }
        }
    }

    // MARK: Veth pair and port

    func createVethPair(_ spec: VethSpec) throws -> (host: LinkSnapshot, container: LinkSnapshot) {
        let container = try containerSide(spec.netns)
        if try container.netlink.link(named: spec.containerName) != nil {
            throw CNIError(.linkConflict, "interface \(spec.containerName) already exists in \(spec.netns)")
        }
        let pair = VethPairSpec(
            name: spec.hostName, peerName: spec.containerName, peerNamespace: container.namespace,
            mtu: spec.mtu.map(UInt32.init), peerMAC: spec.containerMAC?.bytes,
            masterIndex: try bridgeIndex(spec.bridge), localUp: false)  // brought up by labelHostEnd
        do {
            try hostNetlink.addVethPair(pair)
        } catch {
            if error.errno == EXFULL { throw Self.bridgeFull(spec.bridge, error) }
            guard error.isExists else { throw error }
            throw CNIError(
                .linkConflict, "host interface \(spec.hostName) already exists",
                details: "an earlier attachment of this container ID and ifname was not deleted; run DEL first")
        }
        guard let hostLink = try hostNetlink.link(named: spec.hostName),
            let containerLink = try container.netlink.link(named: spec.containerName)
        else { throw CNIError(.kernel, "veth pair \(spec.hostName)/\(spec.containerName) vanished after creation") }
        createdHostLinks[spec.hostName] = hostLink.index
        try recordOwner(spec.owner, on: hostLink.index, named: spec.hostName)
        return (snapshot(hostLink, master: spec.bridge), snapshot(containerLink, master: nil))
    }

    /// The alias cannot be given at creation, so a failure to set it removes the new pair: the
    /// undo for it is registered only once `createVethPair` returns.
    private func recordOwner(_ owner: String, on index: Int32, named name: String) throws {
        do {
            try labelHostEnd(index, named: name, owner: owner)
        } catch {
            _ = try? hostNetlink.deleteLink(index: index)
            throw error
        }
    }

    func attachPort(_ spec: PortSpec) throws {
        guard spec.hairpin || spec.isolated || spec.accessVLAN != 0 || !spec.trunk.isEmpty else { return }
        let port = try hostLinkIndex(named: spec.port)
        if spec.hairpin || spec.isolated {
            try hostNetlink.setBridgePort(port, hairpin: spec.hairpin ? true : nil, isolated: spec.isolated ? true : nil)
        }
        try programVLANs(spec, port: port)
    }

    private func programVLANs(_ spec: PortSpec, port: Int32) throws {
        guard spec.accessVLAN != 0 || !spec.trunk.isEmpty else { return }
        if spec.accessVLAN != 0 {
            let vid = UInt16(spec.accessVLAN)
            try hostNetlink.addBridgeVLAN(port, vids: vid...vid, pvid: true, untagged: true)
        }
        for range in spec.trunk {
            try hostNetlink.addBridgeVLAN(port, vids: UInt16(range.lowerBound)...UInt16(range.upperBound))
        }
        let keepsDefault = spec.preserveDefaultVLAN || spec.accessVLAN == 1 || spec.trunk.contains { $0.contains(1) }
        if !keepsDefault {
            try hostNetlink.deleteBridgeVLAN(port, vids: 1...1)
        }
    }

    func bridgeIndexForGateway(_ name: String) throws -> Int32 { try bridgeIndex(name) }

    /// The index of a host link, from this request's own creation when possible.
    func hostLinkIndex(named name: String) throws -> Int32 {
        if let index = createdHostLinks[name] { return index }
        guard let link = try hostNetlink.link(named: name) else {
            throw CNIError(.kernel, "host interface \(name) is missing")
        }
        return link.index
    }

    func bridgeIndex(_ name: String) throws -> Int32 {
        if let index = bridgeIndexes[name] { return index }
        guard let bridge = try hostNetlink.link(named: name) else {
            throw CNIError(.kernel, "bridge \(name) is missing")
        }
        bridgeIndexes[name] = bridge.index
        return bridge.index
    }

    // MARK: Container interface

    func configureContainerInterface(_ spec: ContainerInterfaceSpec) throws -> Set<Int> {
        let container = try containerSide(spec.netns)
        guard let link = try container.netlink.link(named: spec.name) else {
            throw CNIError(.kernel, "interface \(spec.name) vanished from \(spec.netns)")
        }
        try writeContainerSettings(spec, index: link.index, container)
        for address in spec.addresses {
            try container.netlink.addAddress(address, to: link.index, noDAD: !spec.enableDAD)
        }
        if spec.bringUp { try container.netlink.setUp(link.index) }
        var skipped: Set<Int> = []
        for (index, route) in spec.routes.enumerated()
        where try !addRouteUnlessPresent(kernelRoute(route, interface: link.index), container.netlink) {
            skipped.insert(index)
        }
        return skipped
    }

    /// `arp_notify` announces the new address at once; it is set over netlink, before the
    /// addresses. DAD is off unless asked for, because it holds IPv6 addresses tentative for a
    /// second or more (the delay users complain of most): our addresses carry `IFA_F_NODAD`,
    /// and `accept_dad`, which has no netlink form, is written from a short-lived thread inside
    /// the namespace, only when there is IPv6 at all.
    private func writeContainerSettings(_ spec: ContainerInterfaceSpec, index: Int32,
                                        _ container: (namespace: NetworkNamespace, netlink: RouteNetlink)) throws {
        if spec.eui64LinkLocal { try container.netlink.setEUI64AddressGeneration(index) }
        guard !spec.addresses.isEmpty else { return }
        try container.netlink.setIPv4Settings(index, [.arpNotify: 1])
        guard spec.addresses.contains(where: { $0.family == .v6 }) else { return }
        let sysctl = hostSysctl
        try container.namespace.withEntered {
            try sysctl.set("net/ipv6/conf/\(spec.name)/accept_dad", spec.enableDAD ? "1" : "0")
        }
    }

    /// A route the namespace already has (typically a default route from a first network when
    /// a second interface joins) is kept: the first one wins, as with the reference plugin.
    /// - Returns: `false` when the route was already there.
    private func addRouteUnlessPresent(_ route: RouteSpec, _ netlink: RouteNetlink) throws -> Bool {
        do {
            try netlink.addRoute(route)
            return true
        } catch {
            guard error.isExists else { throw error }
            return false
        }
    }

    private func kernelRoute(_ route: ContainerRoute, interface: Int32) -> RouteSpec {
        RouteSpec(
            destination: route.destination, gateway: route.gateway, outputInterface: interface,
            // Every decoder range-checks these (`CNIResult.Route.range(ofInteger:)`), so they convert exactly.
            priority: route.priority.map { UInt32($0) }, table: route.table.map { UInt32($0) } ?? RouteSpec.mainTable,
            scope: route.scope.map { RouteScope(rawValue: UInt8($0)) }, mtu: route.mtu.map { UInt32($0) },
            advertisedMSS: route.advmss.map { UInt32($0) })
    }

    func containerNetlink(_ path: String) throws -> RouteNetlink { try containerSide(path).netlink }

    func openContainerNamespace(_ path: String) throws { _ = try containerSide(path) }

    /// Opens the container namespace once per request. The plugin's own namespace is refused, as
    /// the reference library refuses it, since `CNI_IFNAME` there would be a host interface.
    func containerSide(_ path: String) throws -> (namespace: NetworkNamespace, netlink: RouteNetlink) {
        if let open = containers[path] { return open }
        let namespace = try NetworkNamespace.open(path: path)
        guard namespace.inode != NetworkNamespace.currentInode() || allowOwnNamespace else {
            throw CNIError(.invalidNetNS, "CNI_NETNS \(path) is the plugin's own network namespace",
                           details: "set CNI_NETNS_OVERRIDE=1 if this is intended")
        }
        let opened = (namespace: namespace, netlink: try RouteNetlink(in: namespace))
        containers[path] = opened
        return opened
    }

    private func snapshot(_ link: LinkInfo, master: String?) -> LinkSnapshot {
        LinkSnapshot(
            name: link.name, kind: link.kind ?? "device", mac: link.macString, mtu: Int(link.mtu),
            isUp: link.isUp, masterName: master)
    }
}
#endif
