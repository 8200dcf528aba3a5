import CNIProtocol

// ADD's step for neighbour hygiene.
extension AttachOperation {
    /// A reused address with a new MAC: neighbours that still hold the old MAC switch at once.
    /// IPv6 addresses still in duplicate address detection (`enabledad`) cannot be a source yet,
    /// so they are left out. So are addresses the IPAM hands out for the first time on this node
    /// (`Addressing.firstUse`, see `FirstUseFrontier`): no neighbour can hold a stale entry for
    /// them, and the broadcast would be copied to every port of the bridge and received in every
    /// container's namespace for nothing (18 % of ADD's CPU with 1,000 attached).
    func announce(_ datapath: Datapath, _ addressing: Addressing, mac: String) throws {
        let addresses = addressing.ips.map(\.address.address).filter {
            !addressing.firstUse.contains($0) && ($0.family == .v4 || !configuration.enableDAD)
        }
        guard !addresses.isEmpty else { return }
        try datapath.announceAddresses(netns: request.netns, interface: request.ifName, mac: mac, addresses: addresses)
    }
}
