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
