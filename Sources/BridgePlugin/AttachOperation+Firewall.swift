import CNIProtocol

// ADD's nftables step: masquerade, the MAC check, `ipspoofchk` and `isolate` together.
extension AttachOperation {
    /// The undos are registered before the kernel is asked: each removes only what this
    /// attachment owns and succeeds when nothing is there, so they are right whether the
    /// transaction was applied or not.
    func programFirewall(_ addressing: Addressing, hostVeth: String, containerMAC: String,
                         _ rollback: inout Rollback) throws {
        guard configuration.usesFirewall else { return }
        let firewall = try dependencies.firewall()
        let request = firewallAttachment(addressing, hostVeth: hostVeth, containerMAC: containerMAC)
        registerFirewallUndos(firewall, request, &rollback)
        if try firewall.addAttachment(request) { try restoreOtherAttachmentsMasquerade() }
    }

    private func firewallAttachment(_ addressing: Addressing, hostVeth: String, containerMAC: String) -> FirewallAttachment {
        let attachment = request.attachment
        let masquerade = configuration.ipMasq
            ? FirewallAttachment.Masquerade(subnets: addressing.ips.map(\.address.masked), excluded: configuration.ipMasqExclude)
            : nil
        return FirewallAttachment(
            network: request.configuration.name, attachment: attachment, addresses: addressing.ips.map(\.address.address),
            hostInterface: hostVeth, mac: containerMAC, masquerade: masquerade,
            separateMACCheck: configuration.needsSeparateMACCheck,
            guards: configuration.guards(network: request.configuration.name, attachment: attachment))
    }

    private func registerFirewallUndos(_ firewall: Firewall, _ request: FirewallAttachment, _ rollback: inout Rollback) {
        let (network, attachment) = (request.network, request.attachment)
        if request.masquerade != nil {
            rollback.register("masquerade") { try firewall.removeMasquerade(network: network, attachment: attachment, addresses: nil) }
        }
        if request.separateMACCheck {
            rollback.register("spoof check") { try firewall.removeSpoofCheck(network: network, attachment: attachment) }
        }
        if !request.guards.isEmpty {
            let guards = request.guards
            rollback.register("ipspoofchk/isolate") { try firewall.removeGuards(guards, attachment: attachment, addresses: nil) }
        }
    }
}
