import CNIProtocol
import IPAM
import Nftables

/// Restores a network's firewall state from the IPAM records and the live links, in one
/// transaction per table: `nsbridge repair` runs it after `nft flush ruleset` or a firewalld
/// reload, and ADD can run it to heal the network it joins.
///
/// Only attachments that hold addresses *and* still have their host veth are restored: a
/// reservation without a veth belongs to a dead container, which is `reclaim`'s business, and
/// giving it masquerade back would be wrong. ``run()`` restores the masquerade (ADD heals with
/// it); ``runAll(records:)`` the rest too (FirewallRepair+Attachments.swift).
public struct FirewallRepair {
    let configuration: BridgeConfiguration
    let network: String
    let dependencies: BridgeDependencies
    let request: PluginRequest
    /// The names of the host's links from one dump, when the caller has them (`nsbridge
    /// repair`); otherwise each holder's veth is looked up on its own (ADD's healing).
    public var hostLinks: Set<String>?

    public init(request: PluginRequest, dependencies: BridgeDependencies) throws {
        self.request = request
        self.configuration = try BridgeConfiguration(request)
        self.network = request.configuration.name
        self.dependencies = dependencies
    }

    /// - Returns: what was missing and has been restored, in words; empty when nothing was.
    public func run() throws -> [String] {
        guard configuration.ipMasq else { return [] }
        let pool = try addressPool()
        return try restoreMasquerade(try liveHolders(pool), pool: pool)
    }

    func addressPool() throws -> any AddressManager & AddressPool {
        guard let pool = try dependencies.addressManager(for: request) as? any AddressManager & AddressPool else {
            throw CNIError(.invalidNetworkConfig, "repair needs the built-in IPAM (\"ipam.type\" host-local or nsbridge) to know the addresses")
        }
        return pool
    }

    func restoreMasquerade(_ holders: [MasqueradeFirewall.Holder], pool: any AddressManager & AddressPool) throws -> [String] {
        guard configuration.ipMasq else { return [] }
        // With no live attachment there is nothing to masquerade, and the network's objects
        // would only be torn down again by the next DEL or GC.
        guard !holders.isEmpty else { return [] }
        let subnets = Self.uniqueSubnets(holders.flatMap(\.addresses).compactMap(pool.subnet(containing:)))
        return try dependencies.firewall().repairMasquerade(network: network, holders: holders, subnets: subnets,
                                                            excluded: configuration.ipMasqExclude)
    }

    /// The attachments holding addresses whose host veth exists.
    func liveHolders(_ pool: any AddressManager & AddressPool) throws -> [MasqueradeFirewall.Holder] {
        let datapath = try dependencies.datapath(for: request)
        var holders: [MasqueradeFirewall.Holder] = []
        for attachment in try pool.attachmentsHoldingAddresses().sorted(by: { "\($0)" < "\($1)" }) {
            let name = BridgeNaming.hostVethName(for: attachment)
            guard try hostLinks.map({ $0.contains(name) }) ?? (datapath.hostLink(named: name) != nil) else { continue }
            holders.append(.init(attachment: attachment, addresses: try pool.addresses(of: attachment)))
        }
        return holders
    }

    static func uniqueSubnets(_ subnets: [IPNetwork]) -> [IPNetwork] {
        var seen: [IPNetwork] = []
        for subnet in subnets.map(\.masked) where !seen.contains(subnet) { seen.append(subnet) }
        return seen
    }
}

extension NftablesFirewall {
    func repairMasquerade(network: String, holders: [MasqueradeFirewall.Holder], subnets: [IPNetwork],
                          excluded: [IPNetwork]) throws -> [String] {
        try masquerade.repair(network: network, holders: holders, subnets: subnets, excluded: excluded)
    }
}

/// An address manager that knows who holds addresses and from which subnet, as the built-in
/// IPAM does; a delegated IPAM plugin cannot tell, so repair needs this.
public protocol AddressPool: AddressHolderListing {
    func subnet(containing address: IPAddress) -> IPNetwork?
}

extension HostLocalIPAM: AddressPool {}
