import CNIProtocol
import Nftables

extension AttachOperation {
    /// Publishes the runtime's port mappings to the container's addresses (`portMappings`
    /// capability). A conflict with another attachment fails the ADD before anything is
    /// programmed; the rollback then removes whatever this attachment owns.
    func publishPorts(_ addressing: Addressing, bridge: String, _ rollback: inout Rollback) throws {
        let mappings = configuration.portMappings.active
        let addresses = addressing.ips.map(\.address.address)
        guard !mappings.isEmpty, !addresses.isEmpty else { return }
        let firewall = try dependencies.firewall()
        let (network, attachment) = (request.configuration.name, request.attachment)
        rollback.register("port mappings") {
            try firewall.removePortMappings(network: network, attachment: attachment, mappings: mappings,
                                            addresses: addresses, bridge: bridge)
        }
        try firewall.addPortMappings(PortMappingFirewall.Publication(
            network: network, attachment: attachment, mappings: mappings, addresses: addresses, bridge: bridge))
        let datapath = try dependencies.datapath(for: request)
        if addresses.contains(where: { $0.family == .v4 }) {
            try datapath.enableLocalhostRouting(bridge: bridge)
        }
        try datapath.forgetFlows(to: mappings)
    }
}

extension CheckOperation {
    func checkPortMappings(_ addresses: [IPAddress]) throws {
        try dependencies.firewall().checkPortMappings(PortMappingFirewall.Publication(
            network: request.configuration.name, attachment: request.attachment,
            mappings: configuration.portMappings.active, addresses: addresses, bridge: configuration.bridgeName))
    }
}
