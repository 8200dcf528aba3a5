import CNIProtocol

/// ADD, as a list of named steps. Each step that creates something registers its undo.
struct AttachOperation {
    let request: PluginRequest
    let configuration: BridgeConfiguration
    let dependencies: BridgeDependencies

    private var network: String { request.configuration.name }
    private var attachment: Attachment { request.attachment }

    init(request: PluginRequest, configuration: BridgeConfiguration, dependencies: BridgeDependencies) {
        self.request = request
        self.configuration = configuration
        self.dependencies = dependencies
    }

    mutating func run(registeringUndosIn rollback: inout Rollback) throws -> CNIResult {
        let datapath = try dependencies.datapath(for: request)
        try datapath.openContainerNamespace(request.netns)
        let bridge = try ensureBridge(datapath, &rollback)
        let veth = try createVeth(datapath, &rollback)
        try datapath.attachPort(portSpec(host: veth.host.name))
        let shapingIfb = try shapeTraffic(hostVeth: veth.host.name, &rollback)
        var addressing = try allocateAddresses(&rollback)
        // The firewall goes first among what needs the addresses: after a commit, the kernel frees
        // the transaction after an RCU grace period, and closing the netfilter socket (at exit at
        // the latest) waits for that. The container's configuration overlaps the wait.
        try programFirewall(addressing, hostVeth: veth.host.name, containerMAC: veth.container.mac, &rollback)
        try publishPorts(addressing, bridge: bridge.name, &rollback)
        try acceptForwarding(bridge: bridge.name, hostVeth: veth.host.name, &rollback)
        let existingRoutes = try datapath.configureContainerInterface(containerSpec(addressing))
        addressing.resultRoutes = addressing.resultRoutes.enumerated().filter { !existingRoutes.contains($0.offset) }.map(\.element)
        if configuration.isGateway {
            try datapath.addGatewayAddresses(
                addressing.gatewayAddresses, toBridge: bridge.name, replaceConflicting: configuration.forceAddress)
            try datapath.enableForwarding(for: Set(addressing.ips.map(\.address.family)))
        }
        if !configuration.disableContainerInterface {
            // A veth end has carrier only once both ends are up.
            try datapath.waitUntilUp(hostLink: veth.host.name)
            try announce(datapath, addressing, mac: veth.container.mac)
        }
        var result = makeResult(bridge: bridge, veth: veth, addressing: addressing)
        if let shapingIfb { result.interfaces.append(CNIResult.Interface(name: shapingIfb.name, mac: shapingIfb.mac)) }
        return result
    }

    private func ensureBridge(_ datapath: Datapath, _ rollback: inout Rollback) throws -> LinkSnapshot {
        let spec = BridgeSpec(
            name: configuration.bridgeName, mtu: configuration.mtu, promiscuous: configuration.promiscMode,
            vlanFiltering: configuration.usesVLANs, multicastSnooping: configuration.multicastSnooping)
        let (bridge, created) = try datapath.ensureBridge(spec)
        if created {
            rollback.register("bridge \(bridge.name)") { try datapath.deleteBridgeIfUnused(named: bridge.name) }
            try reattachExistingPorts(datapath)
        }
        return bridge
    }

    private func createVeth(_ datapath: Datapath, _ rollback: inout Rollback) throws
        -> (host: LinkSnapshot, container: LinkSnapshot)
    {
        let spec = VethSpec(
            bridge: configuration.bridgeName, hostName: BridgeNaming.hostVethName(for: attachment), containerName: request.ifName,
            netns: request.netns, mtu: configuration.mtu, containerMAC: configuration.requestedMAC,
            owner: BridgeNaming.hostVethOwner(for: attachment))
        let veth = try datapath.createVethPair(spec)
        rollback.register("veth \(spec.hostName)") { _ = try datapath.deleteHostLink(named: spec.hostName, ownedBy: spec.owner) }
        return veth
    }

    func portSpec(host: String) -> PortSpec {
        PortSpec(
            port: host, bridge: configuration.bridgeName, hairpin: configuration.hairpinMode,
            isolated: configuration.portIsolation, accessVLAN: configuration.vlan, trunk: configuration.vlanTrunk,
            preserveDefaultVLAN: configuration.preserveDefaultVlan)
    }

    private func allocateAddresses(_ rollback: inout Rollback) throws -> Addressing {
        guard let allocator = try dependencies.addressManager(for: request) else { return Addressing() }
        let reserved = try allocator.allocateNotingFirstUse(for: attachment)
        let attachment = self.attachment
        rollback.register("address reservation") { try allocator.release(for: attachment) }
        var addressing = Addressing(ipamResult: reserved.result, isDefaultGateway: configuration.isDefaultGateway)
        addressing.firstUse = reserved.firstUse
        return addressing
    }

    private func containerSpec(_ addressing: Addressing) -> ContainerInterfaceSpec {
        ContainerInterfaceSpec(
            netns: request.netns, name: request.ifName, addresses: addressing.ips.map(\.address),
            routes: addressing.containerRoutes, enableDAD: configuration.enableDAD,
            bringUp: !configuration.disableContainerInterface, eui64LinkLocal: configuration.ipSpoofCheck)
    }

    /// `[bridge, host veth, container interface]`, after any interfaces of a `prevResult`.
    private func makeResult(bridge: LinkSnapshot, veth: (host: LinkSnapshot, container: LinkSnapshot),
                            addressing: Addressing) -> CNIResult {
        var result = request.configuration.prevResult ?? CNIResult()
        let base = result.interfaces.count
        result.interfaces += [
            CNIResult.Interface(name: bridge.name, mac: bridge.mac),
            CNIResult.Interface(name: veth.host.name, mac: veth.host.mac),
            CNIResult.Interface(name: veth.container.name, mac: veth.container.mac, sandbox: request.netns,
                                mtu: veth.container.mtu),
        ]
        result.ips += addressing.ips.map { ip in
            CNIResult.IPConfiguration(address: ip.address, gateway: ip.gateway, interface: base + 2)
        }
        result.routes += addressing.resultRoutes
        if let dns = request.configuration.dns, !dns.isEmpty {
            result.dns = dns
        } else if !addressing.dns.isEmpty {
            result.dns = addressing.dns
        }
        return result
    }
}
