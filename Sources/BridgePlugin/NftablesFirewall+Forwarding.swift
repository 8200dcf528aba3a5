import CNIProtocol
import Nftables

extension NftablesFirewall {
    private var forwarding: ForwardingAcceptance { ForwardingAcceptance(transport: transport) }

    func addForwarding(network: String, attachment: Attachment, bridge: String, hostInterface: String) throws {
        try forwarding.add(network: network, attachment: attachment, bridge: bridge, hostInterface: hostInterface)
    }

    func removeForwarding(network: String, attachment: Attachment) throws {
        try forwarding.remove(network: network, attachment: attachment, hostInterface: BridgeNaming.hostVethName(for: attachment))
    }

    func checkForwarding(network: String, attachment: Attachment, bridge: String, hostInterface: String) throws {
        try forwarding.check(network: network, attachment: attachment, bridge: bridge, hostInterface: hostInterface)
    }

    func garbageCollectForwarding(network: String, keep: Set<Attachment>) throws {
        try forwarding.garbageCollect(network: network, valid: keep)
    }

    func repairForwarding(network: String, bridge: String, members: [ForwardingAcceptance.Member]) throws -> [String] {
        try forwarding.repair(network: network, bridge: bridge, members: members)
    }
}
