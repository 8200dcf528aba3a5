import CNIProtocol

/// Restoring a network's masquerade state from what is known to be alive, and reading who owns
/// its elements. This is the mechanism behind `nsbridge repair` and, later, a self-healing ADD:
/// both hand it the attachments that hold addresses and still have their host veth.
extension MasqueradeFirewall {
    /// One attachment whose masquerade elements must exist.
    public struct Holder: Equatable, Sendable {
        public var attachment: Attachment
        public var addresses: [IPAddress]

        public init(attachment: Attachment, addresses: [IPAddress]) {
            self.attachment = attachment
            self.addresses = addresses
        }
    }

    /// Re-creates whatever is missing among the network's chains and maps and the holders'
    /// elements, in one transaction; elements owned by someone else at a holder's key are taken
    /// over. Nothing is written when nothing is missing.
    /// - Returns: what was missing (and is now restored), in words; empty when all was there.
    /// - Throws: `NftablesError`.
    public func repair(network: String, holders: [Holder], subnets: [IPNetwork], excluded: [IPNetwork]) throws -> [String] {
        let objects = Self.objects(network: network)
        let targetRules = Self.targetRules(subnets: subnets, excluded: excluded)
        let missingChains = try objects.missingChains(baseRuleCount: IPFamily.allCases.count,
                                                      minimumTargetRules: targetRules.count, transport: transport)
        var missing = missingChains
        var operations: [Operation] = []
        if !missingChains.isEmpty {
            // ADD's batch without addresses: the table, maps and both chains, rewritten.
            operations += Self.addBatch(network: network, attachment: Attachment(containerID: "", ifName: ""),
                                        addresses: [], subnets: subnets, excluded: excluded).operations
        }
        // One listing per map, whatever the number of holders.
        var present: [String: [[UInt8]: String?]] = [:]
        for map in objects.dispatchMaps {
            let elements = try transport.elements(of: map, keys: nil) ?? []
            present[map.name] = Dictionary(elements.map { ($0.key, $0.comment) }, uniquingKeysWith: { first, _ in first })
        }
        for holder in holders {
            let owner = OwnerTag.owner(network: network, attachment: holder.attachment)
            for address in holder.addresses {
                let (map, element) = Self.dispatchElement(objects, network: network, attachment: holder.attachment, address: address)
                let found = present[map.name]?[element.key]
                guard found == nil || OwnerTag.ownerPrefix(of: found ?? nil) != owner else { continue }
                missing.append("masquerade element \(address) of \(holder.attachment)")
                operations += NetworkObjects.replace(element, in: map)
            }
        }
        if !operations.isEmpty { try transport.apply(Batch(operations)) }
        return missing
    }

    /// The comments of every element in the network's maps, keyed by the address they map.
    /// Empty when the network has no masquerade state.
    /// - Throws: `NftablesError`.
    public func elementOwners(network: String) throws -> [(address: IPAddress, comment: String?)] {
        let objects = Self.objects(network: network)
        var owners: [(address: IPAddress, comment: String?)] = []
        for (index, map) in objects.dispatchMaps.enumerated() {
            for element in try transport.elements(of: map, keys: nil) ?? [] {
                guard let address = IPAddress(bytes: element.key), (address.family == .v4) == (index == 0) else { continue }
                owners.append((address, element.comment))
            }
        }
        return owners
    }

    /// Whether `comment` marks an element as `attachment`'s on `network`.
    public static func comment(_ comment: String?, isOwnedBy attachment: Attachment, network: String) -> Bool {
        OwnerTag.ownerPrefix(of: comment) == OwnerTag.owner(network: network, attachment: attachment)
    }
}
