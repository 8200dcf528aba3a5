import CNIProtocol
import IPAM
import LinuxSupport

/// DEL: removes the links, the firewall state and the reservation of one attachment.
///
/// It needs neither the namespace nor `prevResult`: the host veth name, the firewall tags and
/// the IPAM records are all keyed by (container ID, ifname). Deleting the host end of a veth
/// pair deletes the container end with it, so the namespace is opened only when the host end
/// is already gone (for example, an interface moved by someone else). Order follows what users
/// learned the hard way: interface and firewall first, the address last, so that an address is
/// never handed out while something still routes or masquerades it.
struct DetachOperation {
    let request: PluginRequest
    let configuration: BridgeConfiguration
    let dependencies: BridgeDependencies

    func run() throws {
        let addressManager = try dependencies.addressManager(for: request)
        let addresses = try? addressManager?.addresses(of: request.attachment)
        var linkErrors = TeardownErrors()
        var firewallErrors = TeardownErrors()
        var shapingErrors = TeardownErrors()
        let shaper = trafficShaperIfShaping(&shapingErrors)
        let group = attachmentGroup(shaper, &shapingErrors)
        let datapath = linkErrors.value("open rtnetlink") { try dependencies.datapath(for: request) }
        // Always: forwarding acceptance may have been added whatever the configuration.
        let firewall = firewallErrors.value("open nftables") { try dependencies.firewall() }
        if let shaper, let group {
            firewall.map { removeFirewallState($0, addresses: addresses, &firewallErrors) }
            removeGroupedLinks(shaper, group, &linkErrors)
        } else {
            removeBesideVethDeletion(datapath, firewall, addresses, &linkErrors, &firewallErrors)
            if let shaper { removeIfb(shaper, &shapingErrors) }
        }
        var errors = linkErrors.merged(with: firewallErrors).merged(with: shapingErrors)
        errors.collect("release addresses") {
            try addressManager?.release(for: request.attachment)
        }
        try errors.throwIfAny("DEL of \(request.attachment) on network \"\(request.configuration.name)\" was incomplete")
    }

    /// The veth's deletion starts first: while the kernel unregisters it (a millisecond or two,
    /// under the rtnl lock), this thread removes the firewall state.
    private func removeBesideVethDeletion(_ datapath: Datapath?, _ firewall: Firewall?, _ addresses: [IPAddress]?,
                                          _ linkErrors: inout TeardownErrors, _ firewallErrors: inout TeardownErrors) {
        let attachment = request.attachment
        let unregistered = datapath.flatMap { datapath in
            linkErrors.value("delete interfaces") {
                try datapath.startDeletingHostLink(
                    named: BridgeNaming.hostVethName(for: attachment), ownedBy: BridgeNaming.hostVethOwner(for: attachment))
            }
        }
        firewall.map { removeFirewallState($0, addresses: addresses, &firewallErrors) }
        if let datapath, let unregistered {
            linkErrors.collect("delete interfaces") { try removeContainerEndIfLeft(datapath, hostEndRemoved: unregistered()) }
        }
    }

    /// The container end goes with the host end; when the host end was not there (moved away,
    /// or never made), the container interface is deleted by name in the namespace.
    private func removeContainerEndIfLeft(_ datapath: Datapath, hostEndRemoved: Bool) throws {
        if !hostEndRemoved && !request.netns.isEmpty {
            try datapath.deleteContainerInterface(netns: request.netns, name: request.ifName)
        }
    }

    /// Removes this attachment's firewall state in one transaction and closes the connection.
    private func removeFirewallState(_ firewall: Firewall, addresses: [IPAddress]?, _ errors: inout TeardownErrors) {
        errors.collect("remove firewall state") { try firewall.removeAttachment(firewallDetachment(addresses: addresses)) }
        firewall.release()
    }
}

/// GC: frees what belongs to attachments that are neither listed as valid nor still alive.
///
/// An attachment whose host veth still exists is always kept, so a runtime that lists too little
/// (or `cnitool gc`, which sends no list at all) can never cut a live container off. What a
/// missing list means for address reservations is decided by IPAM (`HostLocalIPAM`): only what
/// is provably dead is freed. Firewall entries are kept for the valid attachments and for every
/// attachment that still holds an address after IPAM's collection.
struct GarbageCollectOperation {
    let request: PluginRequest
    let configuration: BridgeConfiguration
    let dependencies: BridgeDependencies

    func run() throws {
        let datapath = try dependencies.datapath(for: request)
        let isAlive: (Attachment) -> Bool = { attachment in
            // When the kernel cannot be asked, count it as alive: freeing a live container's
            // address is worse than keeping a dead one's.
            do {
                return try datapath.hostLink(named: BridgeNaming.hostVethName(for: attachment)) != nil
            } catch {
                return true
            }
        }
        let addressManager = try dependencies.addressManager(for: request)
        var errors = TeardownErrors()
        errors.collect("IPAM garbage collection") {
            try addressManager?.garbageCollect(valid: request.configuration.validAttachments, isAttachmentAlive: isAlive)
        }
        var keep = Set(request.configuration.validAttachments ?? [])
        if let holders = try? (addressManager as? AddressHolderListing)?.attachmentsHoldingAddresses() {
            keep.formUnion(holders)
        }
        collectFirewall(keep: keep, &errors)
        collectShaping(keep: keep, &errors)
        try errors.throwIfAny("GC of network \"\(request.configuration.name)\" was incomplete")
    }

    private func collectFirewall(keep: Set<Attachment>, _ errors: inout TeardownErrors) {
        let network = request.configuration.name
        errors.collect("firewall garbage collection") {
            let firewall = try dependencies.firewall()
            try firewall.garbageCollectMasquerade(network: network, keep: keep)
            try firewall.garbageCollectSpoofCheck(network: network, keep: keep)
            if configuration.portMappings.enabled { try firewall.garbageCollectPortMappings(network: network, keep: keep) }
            let guards = configuration.guards(network: network, attachment: request.attachment)
            if !guards.isEmpty { try firewall.garbageCollectGuards(guards, keep: keep) }
            try firewall.garbageCollectForwarding(network: network, keep: keep)
        }
    }
}
