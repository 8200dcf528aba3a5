import CNIProtocol
import Nftables

/// The host side of CHECK for one live attachment, without its container: what `nsbridge ls`
/// reports beyond the links and the masquerade. It checks what the network configuration asks
/// for (forwarding acceptance, `isolate`, the spoof checks) and, where the runtime's record of
/// the ADD was found, what the runtime asked for (port mappings, bandwidth).
public struct AttachmentAudit {
    let repair: FirewallRepair
    let dependencies: BridgeDependencies

    public init(request: PluginRequest, dependencies: BridgeDependencies) throws {
        repair = try FirewallRepair(request: request, dependencies: dependencies)
        self.dependencies = dependencies
    }

    /// Every difference between the kernel and what `attachment` should have, in words.
    /// - Parameter mac: the container's MAC, from the runtime's record or a surviving element.
    public func problems(of attachment: Attachment, addresses: [IPAddress], record: AttachmentRecord?,
                         mac: String?) throws -> [String] {
        let configuration = try record?.runtimeConfig.map(repair.configuration(withRuntimeConfig:)) ?? repair.configuration
        let (network, veth) = (repair.network, BridgeNaming.hostVethName(for: attachment))
        let firewall = try dependencies.firewall()
        var problems = missing("forwarding acceptance") {
            try firewall.checkForwarding(network: network, attachment: attachment, bridge: configuration.bridgeName, hostInterface: veth)
        }
        // One guard at a time: a check stops at the first guard that misses something.
        let guards = configuration.guards(network: network, attachment: attachment)
        var (isolation, spoofing) = (guards, guards)
        (isolation.ipSpoofCheck, spoofing.isolate) = (false, false)
        if isolation.isolate {
            problems += missing("isolate") { try firewall.checkGuards(isolation, attachment: attachment, mac: "", addresses: addresses) }
        }
        if spoofing.ipSpoofCheck {
            problems += mac.map { mac in
                missing("ipspoofchk") { try firewall.checkGuards(spoofing, attachment: attachment, mac: mac, addresses: addresses) }
            } ?? ["ipspoofchk: missing port element \"\(veth)\" (container MAC unknown)"]
        }
        if configuration.needsSeparateMACCheck {
            problems += mac.map { mac in
                missing("macspoofchk") { try firewall.checkSpoofCheck(network: network, attachment: attachment, hostInterface: veth, mac: mac) }
            } ?? ["macspoofchk: missing port element \"\(veth)\" (container MAC unknown)"]
        }
        let publication = PortMappingFirewall.Publication(network: network, attachment: attachment, mappings: configuration.portMappings.active,
                                                          addresses: addresses, bridge: configuration.bridgeName)
        problems += missing("port mappings") { try firewall.checkPortMappings(publication) }
        if let limits = configuration.bandwidth {
            let spec = ShapingSpec(hostLink: veth, ifb: BridgeNaming.ifbName(for: attachment), limits: limits)
            problems += try dependencies.trafficShaper().checkShaping(spec)
        }
        return problems
    }

    /// What `check` reports missing, each prefixed with `what`.
    private func missing(_ what: String, _ check: () throws -> Void) -> [String] {
        let prefix = what.isEmpty ? "" : what + ": "
        do {
            try check()
            return []
        } catch let state as MissingFirewallState {
            // CHECK's words name an absent item; a present but foreign one says so itself.
            return state.missing.map { prefix + ($0.contains(" belongs to ") ? "" : "missing ") + $0 }
        } catch {
            return [prefix + "cannot check: \(error)"]
        }
    }
}
