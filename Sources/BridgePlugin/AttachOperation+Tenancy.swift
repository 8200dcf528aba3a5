import CNIProtocol

// ADD's steps for `ipspoofchk`, `isolate` and neighbour hygiene.
extension AttachOperation {
    func programGuards(_ firewall: Firewall, _ addressing: Addressing, containerMAC: String,
                       _ rollback: inout Rollback) throws {
        let attachment = request.attachment
        let guards = configuration.guards(network: request.configuration.name, attachment: attachment)
        guard !guards.isEmpty else { return }
        try firewall.addGuards(guards, attachment: attachment, mac: containerMAC, addresses: addressing.ips.map(\.address.address))
        rollback.register("ipspoofchk/isolate") { try firewall.removeGuards(guards, attachment: attachment, addresses: nil) }
    }

    /// A reused address with a new MAC: neighbours that still hold the old MAC switch at once.
    /// IPv6 addresses still in duplicate address detection (`enabledad`) cannot be a source yet,
    /// so they are left out.
    func announce(_ datapath: Datapath, _ addressing: Addressing, mac: String) throws {
        let addresses = addressing.ips.map(\.address.address).filter { $0.family == .v4 || !configuration.enableDAD }
        guard !addresses.isEmpty else { return }
        try datapath.announceAddresses(netns: request.netns, interface: request.ifName, mac: mac, addresses: addresses)
    }
}
