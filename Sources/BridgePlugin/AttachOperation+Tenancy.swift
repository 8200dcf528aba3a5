import CNIProtocol

// ADD's step for neighbour hygiene.
extension AttachOperation {
    /// A reused address with a new MAC: neighbours that still hold the old MAC switch at once.
    /// IPv6 addresses still in duplicate address detection (`enabledad`) cannot be a source yet,
    /// so they are left out.
    func announce(_ datapath: Datapath, _ addressing: Addressing, mac: String) throws {
        let addresses = addressing.ips.map(\.address.address).filter { $0.family == .v4 || !configuration.enableDAD }
        guard !addresses.isEmpty else { return }
        try datapath.announceAddresses(netns: request.netns, interface: request.ifName, mac: mac, addresses: addresses)
    }
}
