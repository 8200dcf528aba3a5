import CNIProtocol

/// CHECK: compares the attachment with `prevResult` and reports every difference at once.
///
/// Extra addresses and routes, which later plugins in a chain may add, are tolerated; what the
/// plugin created and reported must be there. Masquerade and spoof-check state and the address
/// reservation are checked too, which the reference plugin does not do.
struct CheckOperation {
    let request: PluginRequest
    let configuration: BridgeConfiguration
    let dependencies: BridgeDependencies

    func run() throws {
        guard let previous = request.configuration.prevResult else {
            throw CNIError(.invalidNetworkConfig, "CHECK needs \"prevResult\": the result of the ADD being checked")
        }
        let datapath = try dependencies.datapath(for: request)
        var problems: [String] = []
        let hostVeth = BridgeNaming.hostVethName(for: request.attachment)
        problems += try checkBridge(datapath, previous)
        problems += try checkHostVeth(datapath, hostVeth)
        problems += checkShaping(hostVeth: hostVeth)
        let tables = Set(previous.routes.compactMap(\.table))
        let container = try datapath.inspectContainerInterface(netns: request.netns, name: request.ifName, tables: tables)
        problems += checkContainer(container, previous)
        problems += checkServices(previous, hostVeth: hostVeth, containerMAC: container?.link.mac)
        guard problems.isEmpty else {
            throw CNIError(
                .checkFailed, "CHECK of \(request.attachment) on network \"\(request.configuration.name)\" failed",
                details: problems.joined(separator: "; "))
        }
    }

    private func checkBridge(_ datapath: Datapath, _ previous: CNIResult) throws -> [String] {
        let name = configuration.bridgeName
        guard let bridge = try datapath.hostLink(named: name) else { return ["bridge \(name) is missing"] }
        var problems: [String] = []
        if bridge.kind != "bridge" { problems.append("\(name) is a \(bridge.kind), not a bridge") }
        if let reported = previous.interfaces.first(where: { $0.name == name && $0.sandbox == nil })?.mac,
            reported.lowercased() != bridge.mac
        {
            problems.append("bridge \(name) has MAC \(bridge.mac), prevResult says \(reported)")
        }
        return problems
    }

    private func checkHostVeth(_ datapath: Datapath, _ name: String) throws -> [String] {
        guard let veth = try datapath.hostLink(named: name) else { return ["host veth \(name) is missing"] }
        var problems: [String] = []
        if veth.kind != "veth" { problems.append("\(name) is a \(veth.kind), not a veth") }
        if veth.masterName != configuration.bridgeName {
            problems.append("host veth \(name) is attached to \(veth.masterName ?? "no bridge"), not \(configuration.bridgeName)")
        }
        return problems
    }

    private func checkContainer(_ container: ContainerSnapshot?, _ previous: CNIResult) -> [String] {
        let name = request.ifName
        guard let container else { return ["interface \(name) is missing in \(request.netns)"] }
        guard let index = previous.interfaces.lastIndex(where: { $0.name == name && $0.sandbox != nil }) else {
            return ["prevResult lists no interface \(name) inside a sandbox"]
        }
        let reported = previous.interfaces[index]
        var problems: [String] = []
        if reported.sandbox != request.netns {
            problems.append("prevResult puts \(name) in \(reported.sandbox ?? ""), not \(request.netns)")
        }
        if let mac = reported.mac, mac.lowercased() != container.link.mac {
            problems.append("\(name) has MAC \(container.link.mac), prevResult says \(mac)")
        }
        for ip in previous.ips where ip.interface == index && !container.addresses.contains(ip.address) {
            problems.append("address \(ip.address) is missing on \(name)")
        }
        for route in previous.routes where !containsRoute(route, in: container.routes) {
            problems.append("route to \(route.destination) is missing")
        }
        return problems
    }

    private func containsRoute(_ route: CNIResult.Route, in routes: [ContainerRoute]) -> Bool {
        routes.contains { installed in
            installed.destination == route.destination.masked
                && (route.gateway == nil || installed.gateway == route.gateway)
                && (route.table == nil || installed.table == route.table)
        }
    }

    private func checkServices(_ previous: CNIResult, hostVeth: String, containerMAC: String?) -> [String] {
        var errors = TeardownErrors()
        let (network, attachment) = (request.configuration.name, request.attachment)
        let addresses = previous.ips.map(\.address.address)
        errors.collect("address reservation") {
            try dependencies.addressManager(for: request)?.check(attachment, expected: addresses)
        }
        if configuration.ipMasq {
            errors.collect("masquerade") {
                try dependencies.firewall().checkMasquerade(network: network, attachment: attachment, addresses: addresses)
            }
        }
        if configuration.needsSeparateMACCheck, let containerMAC {
            errors.collect("spoof check") {
                try dependencies.firewall().checkSpoofCheck(
                    network: network, attachment: attachment, hostInterface: hostVeth, mac: containerMAC)
            }
        }
        if !configuration.portMappings.active.isEmpty {
            errors.collect("port mappings") { try checkPortMappings(addresses) }
        }
        let guards = configuration.guards(network: network, attachment: attachment)
        if !guards.isEmpty, let containerMAC {
            errors.collect("ipspoofchk/isolate") {
                try dependencies.firewall().checkGuards(guards, attachment: attachment, mac: containerMAC, addresses: addresses)
            }
        }
        errors.collect("forwarding acceptance") {
            try dependencies.firewall().checkForwarding(
                network: network, attachment: attachment, bridge: configuration.bridgeName, hostInterface: hostVeth)
        }
        return errors.failures
    }
}
