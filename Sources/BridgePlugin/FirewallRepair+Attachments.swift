import CNIProtocol
import Nftables

/// What an attachment was given at ADD that the network configuration does not hold: the
/// runtime's `runtimeConfig` (port mappings, bandwidth) and the container's MAC. nsbridge
/// writes no record of its own on the CNI path; `nsbridge` the tool finds these in the runtime's
/// result cache and in surviving nftables elements.
public struct AttachmentRecord: Sendable {
    /// `runtimeConfig` as the runtime passed it; nil when no record of the ADD was found.
    public var runtimeConfig: [String: JSONValue]?
    public var containerMAC: String?

    public init(runtimeConfig: [String: JSONValue]?, containerMAC: String?) {
        self.runtimeConfig = runtimeConfig
        self.containerMAC = containerMAC
    }
}

/// What `repair` did for one network.
public struct RepairOutcome: Sendable {
    /// What was missing and is now back, in words.
    public var restored: [String] = []
    /// What is missing or may be missing and cannot be restored, with the reason.
    public var notRestored: [String] = []
}

extension FirewallRepair {
    /// Everything `nsbridge repair` restores for the live attachments: the masquerade
    /// (``run()``), forwarding acceptance, `isolate`, the spoof checks where the container's MAC
    /// is known, and port mappings where the runtime's record of them is.
    public func runAll(records: [Attachment: AttachmentRecord]) throws -> RepairOutcome {
        // Forwarding acceptance is added whatever the configuration, so every network with
        // addresses is looked at; one without IPAM has no holders to go by.
        guard let manager = try dependencies.addressManager(for: request) else { return RepairOutcome() }
        guard manager is any AddressPool || configuration.ipMasq else {
            var outcome = RepairOutcome()
            outcome.notRestored = ["forwarding acceptance and the per-attachment state: a delegated IPAM plugin cannot say who holds addresses"]
            return outcome
        }
        let pool = try addressPool()
        let holders = try liveHolders(pool)
        let firewall = try dependencies.firewall()
        var outcome = RepairOutcome()
        outcome.restored = try restoreMasquerade(holders, pool: pool)
        outcome.restored += try firewall.repairForwarding(
            network: network, bridge: configuration.bridgeName,
            members: holders.map { .init(attachment: $0.attachment, hostInterface: BridgeNaming.hostVethName(for: $0.attachment)) })
        for holder in holders {
            let record = records[holder.attachment]
            try restoreGuards(holder, mac: record?.containerMAC, firewall, &outcome)
            try restorePortMappings(holder, record: record, firewall, &outcome)
        }
        return outcome
    }

    private func restoreGuards(_ holder: MasqueradeFirewall.Holder, mac: String?, _ firewall: Firewall,
                               _ outcome: inout RepairOutcome) throws {
        let (attachment, addresses) = (holder.attachment, holder.addresses)
        let full = configuration.guards(network: network, attachment: attachment)
        var isolation = full
        isolation.ipSpoofCheck = false
        if isolation.isolate {
            try restore("isolate", of: attachment, &outcome,
                        check: { try firewall.checkGuards(isolation, attachment: attachment, mac: "", addresses: addresses) },
                        add: { try firewall.addGuards(isolation, attachment: attachment, mac: "", addresses: addresses) })
        }
        let needsMAC = full.ipSpoofCheck || configuration.needsSeparateMACCheck
        guard needsMAC else { return }
        guard let mac else {
            let what = full.ipSpoofCheck ? "ipspoofchk" : "macspoofchk"
            outcome.notRestored.append("\(what) of \(attachment): the container's MAC is unknown (its elements are gone and the runtime left no result cache); the next ADD of the container restores it")
            return
        }
        var spoofing = full
        spoofing.isolate = false
        if full.ipSpoofCheck {
            try restore("ipspoofchk", of: attachment, &outcome,
                        check: { try firewall.checkGuards(spoofing, attachment: attachment, mac: mac, addresses: addresses) },
                        add: { try firewall.addGuards(spoofing, attachment: attachment, mac: mac, addresses: addresses) })
        } else {
            let veth = BridgeNaming.hostVethName(for: attachment)
            try restore("macspoofchk", of: attachment, &outcome,
                        check: { try firewall.checkSpoofCheck(network: network, attachment: attachment, hostInterface: veth, mac: mac) },
                        add: { try firewall.addSpoofCheck(network: network, attachment: attachment, hostInterface: veth, mac: mac) })
        }
    }

    private func restorePortMappings(_ holder: MasqueradeFirewall.Holder, record: AttachmentRecord?, _ firewall: Firewall,
                                     _ outcome: inout RepairOutcome) throws {
        guard configuration.portMappings.enabled else { return }
        guard let runtimeConfig = record?.runtimeConfig else {
            outcome.notRestored.append("port mappings of \(holder.attachment), if it has any: the runtime left no record of its ADD (libcni result cache), and nsbridge keeps the mappings only in nftables; re-create the container if its ports no longer answer")
            return
        }
        let mappings = try configuration(withRuntimeConfig: runtimeConfig).portMappings.active
        guard !mappings.isEmpty else { return }
        let publication = PortMappingFirewall.Publication(
            network: network, attachment: holder.attachment, mappings: mappings, addresses: holder.addresses,
            bridge: configuration.bridgeName)
        do {
            try restore("port mappings \(mappings.map(\.description).joined(separator: ", "))", of: holder.attachment, &outcome,
                        check: { try firewall.checkPortMappings(publication) }, add: { try firewall.addPortMappings(publication) })
        } catch let conflict as PortMappingConflict {
            outcome.notRestored.append("port mappings of \(holder.attachment): \(conflict)")
        }
    }

    /// Runs `add` when `check` reports missing state, and says so.
    private func restore(_ what: String, of attachment: Attachment, _ outcome: inout RepairOutcome,
                         check: () throws -> Void, add: () throws -> Void) throws {
        do {
            try check()
        } catch let missing as MissingFirewallState {
            try add()
            outcome.restored.append("\(what) of \(attachment) (was missing: \(missing.missing.joined(separator: "; ")))")
        }
    }

    /// The network's configuration as ADD saw it, with the runtime's `runtimeConfig`.
    public func configuration(withRuntimeConfig runtimeConfig: [String: JSONValue]) throws -> BridgeConfiguration {
        var members = request.configuration.raw
        members["runtimeConfig"] = .object(runtimeConfig)
        let configuration = try NetworkConfiguration(object: members)
        return try BridgeConfiguration(PluginRequest(environment: PluginEnvironment(command: .check), configuration: configuration))
    }
}
