extension AttachOperation {
    /// Lets the network's traffic through the host's iptables `FORWARD` chains (Docker's DROP
    /// policy, a distribution's REJECT), whatever the configuration: a network that cannot
    /// forward is never what the user asked for. Costs two lookups on a host without them.
    func acceptForwarding(bridge: String, hostVeth: String, _ rollback: inout Rollback) throws {
        let firewall = try dependencies.firewall()
        let (network, attachment) = (request.configuration.name, request.attachment)
        try firewall.addForwarding(network: network, attachment: attachment, bridge: bridge, hostInterface: hostVeth)
        rollback.register("forwarding acceptance") { try firewall.removeForwarding(network: network, attachment: attachment) }
    }
}
