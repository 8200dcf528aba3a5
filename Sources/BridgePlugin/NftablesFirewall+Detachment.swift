import CNIProtocol
import Nftables

extension NftablesFirewall {
    /// Every feature's share of DEL in one lookup round and one batch (``AttachmentRemoval``).
    func removeAttachment(_ request: FirewallDetachment) throws {
        try AttachmentRemoval(transport: transport).remove(removalParts(request))
    }

    func removalParts(_ request: FirewallDetachment) -> [RemovalPart] {
        let (network, attachment, addresses) = (request.network, request.attachment, request.addresses)
        let hostInterface = BridgeNaming.hostVethName(for: attachment)
        var parts: [RemovalPart] = []
        if request.masquerade { parts.append(MasqueradeFirewall.removal(network: network, attachment: attachment, addresses: addresses)) }
        if request.separateMACCheck {
            parts.append(MACSpoofCheck.removal(network: network, attachment: attachment, hostInterface: hostInterface))
        }
        if let ports = request.portMappings, let part = PortMappingFirewall.removal(
            network: network, attachment: attachment, mappings: ports.mappings, addresses: addresses, bridge: ports.bridge) {
            parts.append(part)
        }
        let guards = request.guards
        if guards.ipSpoofCheck {
            parts.append(AddressSpoofCheck.removal(network: guards.network, attachment: attachment, port: guards.hostInterface,
                                                   addresses: addresses))
        }
        if guards.isolate {
            parts.append(NetworkIsolation.removal(network: guards.network, attachment: attachment, addresses: addresses))
        }
        parts.append(ForwardingAcceptance(transport: transport).removal(
            network: network, attachment: attachment, hostInterface: hostInterface))
        return parts
    }
}
