import CNIProtocol
import IPAM

extension AttachOperation {
    /// ADD had to create the bridge. If it existed before and was deleted (by an operator, a
    /// network manager, a reboot script), the host veths of containers still attached to this
    /// network are detached and those containers are cut off; put them back, with their port
    /// settings, so the next ADD heals the network instead of serving only itself. The
    /// attachments are the ones holding addresses; without a listing IPAM there is nothing to go by.
    func reattachExistingPorts(_ datapath: Datapath) throws {
        guard let listing = try dependencies.addressManager(for: request) as? AddressHolderListing else { return }
        let others = try listing.attachmentsHoldingAddresses().filter { $0 != request.attachment }
        let names = Set(others.map { BridgeNaming.hostVethName(for: $0) })
        for name in try datapath.reattachPorts(names, toBridge: configuration.bridgeName) {
            try datapath.attachPort(portSpec(host: name))
        }
    }
}

extension AttachOperation {
    /// ADD had to create the network's masquerade chains. If the network had attachments before
    /// (the chains were flushed by `nft flush ruleset` or a firewall reload), their traffic has
    /// not been masqueraded since; give every attachment that still holds an address and has
    /// its host veth its elements back, in one transaction (``FirewallRepair``, the mechanism
    /// `nsbridge repair` uses). Rare, so the O(attachments) cost is paid once per repair; on the
    /// network's very first ADD it finds only this attachment, already in place.
    func restoreOtherAttachmentsMasquerade() throws {
        // A delegated IPAM plugin cannot say who holds addresses: there is nothing to go by.
        guard try dependencies.addressManager(for: request) is any AddressPool else { return }
        _ = try FirewallRepair(request: request, dependencies: dependencies).run()
    }
}
