import CNIProtocol

extension DetachOperation {
    /// Everything DEL removes from the firewall for this attachment.
    func firewallDetachment(addresses: [IPAddress]?) -> FirewallDetachment {
        let (network, attachment) = (request.configuration.name, request.attachment)
        let ports = configuration.portMappings.enabled
            ? FirewallDetachment.PortMappings(mappings: configuration.portMappings.mappings, bridge: configuration.bridgeName)
            : nil
        return FirewallDetachment(
            network: network, attachment: attachment, addresses: addresses, masquerade: configuration.ipMasq,
            separateMACCheck: configuration.needsSeparateMACCheck, portMappings: ports,
            guards: configuration.guards(network: network, attachment: attachment))
    }
}
