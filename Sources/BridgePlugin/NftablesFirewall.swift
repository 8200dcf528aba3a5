import CNIProtocol
import Nftables

/// The real ``Firewall``: masquerade in `inet nsbridge` and spoof checks in `bridge nsbridge`,
/// applied as single netlink batches over one netfilter socket in the host namespace.
struct NftablesFirewall: Firewall {
    let transport: any NftablesTransport
    let masquerade: MasqueradeFirewall
    let spoofCheck: MACSpoofCheck

    init(transport: any NftablesTransport) {
        self.transport = transport
        masquerade = MasqueradeFirewall(transport: transport)
        spoofCheck = MACSpoofCheck(transport: transport)
    }

    func release() {
        transport.close()
    }

    /// Asks for the ruleset generation: one round trip that fails when nf_tables is missing.
    func probe() throws {
        _ = try transport.generation()
    }

    func addMasquerade(network: String, attachment: Attachment, addresses: [IPAddress], subnets: [IPNetwork],
                       excluded: [IPNetwork]) throws -> Bool {
        try masquerade.add(network: network, attachment: attachment, addresses: addresses, subnets: subnets, excluded: excluded)
    }

    func removeMasquerade(network: String, attachment: Attachment, addresses: [IPAddress]?) throws {
        try masquerade.remove(network: network, attachment: attachment, addresses: addresses)
    }

    func checkMasquerade(network: String, attachment: Attachment, addresses: [IPAddress]) throws {
        try masquerade.check(network: network, attachment: attachment, addresses: addresses)
    }

    func garbageCollectMasquerade(network: String, keep: Set<Attachment>) throws {
        try masquerade.garbageCollect(network: network, valid: keep)
    }

    func addSpoofCheck(network: String, attachment: Attachment, hostInterface: String, mac: String) throws {
        try spoofCheck.add(network: network, attachment: attachment, hostInterface: hostInterface, mac: mac)
    }

    func removeSpoofCheck(network: String, attachment: Attachment) throws {
        try spoofCheck.remove(network: network, attachment: attachment, hostInterface: BridgeNaming.hostVethName(for: attachment))
    }

    func checkSpoofCheck(network: String, attachment: Attachment, hostInterface: String, mac: String) throws {
        try spoofCheck.check(network: network, attachment: attachment, hostInterface: hostInterface, mac: mac)
    }

    func garbageCollectSpoofCheck(network: String, keep: Set<Attachment>) throws {
        try spoofCheck.garbageCollect(network: network, valid: keep)
    }
}
