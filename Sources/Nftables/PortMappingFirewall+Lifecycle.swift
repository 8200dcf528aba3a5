import CNIProtocol
#if canImport(Glibc)
import Glibc
#endif

extension PortMappingFirewall {
    /// Removes the attachment's mappings. Succeeds if nothing is there.
    /// - Parameters:
    ///   - mappings: the mappings the runtime passes on DEL, if any; `nil` lists the maps.
    ///   - addresses: the attachment's addresses if still known; `nil` lists the hairpin sets.
    ///   - bridge: the network's bridge (part of the hairpin keys).
    /// - Throws: `NftablesError`.
    public func remove(network: String, attachment: Attachment, mappings: [PortMapping]?, addresses: [IPAddress]?,
                       bridge: String) throws {
        guard let part = Self.removal(network: network, attachment: attachment, mappings: mappings, addresses: addresses,
                                      bridge: bridge) else { return }
        try AttachmentRemoval(transport: transport).remove([part])
    }

    /// DEL's share (see ``AttachmentRemoval``), `nil` when the runtime says there were no
    /// mappings. The shared objects stay: only GC removes them.
    public static func removal(network: String, attachment: Attachment, mappings: [PortMapping]?, addresses: [IPAddress]?,
                               bridge: String) -> RemovalPart? {
        var targets: [RemovalPart.Target] = []
        for family in IPFamily.allCases {
            for specific in [true, false] {
                let keys = mappings.map { list in
                    list.filter { !$0.isWildcard == specific && $0.applies(to: family) }.map(\.key)
                }
                if keys?.isEmpty != true { targets.append((PortMappingObjects.map(family, specific: specific), keys)) }
            }
            let hairpinKeys = addresses.map { list in
                list.filter { $0.family == family }.map { $0.bytes + SetElement.key(interfaceName: bridge) }
            }
            if hairpinKeys?.isEmpty != true && mappings?.isEmpty != true {
                targets.append((PortMappingObjects.hairpinSet(family), hairpinKeys))
            }
        }
        guard !targets.isEmpty else { return nil }
        return RemovalPart(owner: OwnerTag.owner(network: network, attachment: attachment), targets: { _ in targets })
    }

    /// Verifies that the chains exist and that every mapping and hairpin element is there and
    /// owned by the attachment.
    /// - Throws: `MissingFirewallState` naming every missing or foreign item; `NftablesError`.
    public func check(_ publication: Publication) throws {
        guard !publication.mappings.isEmpty else { return }
        var missing: [String] = []
        for (chain, rules) in zip(PortMappingObjects.chains, PortMappingObjects.rules) {
            let count = try transport.ruleComments(in: chain)?.count
            if count != rules.count { missing.append("chain \(chain.table) \(chain.name) (\(count ?? 0) of \(rules.count) rules)") }
        }
        let expected = publication.mapElements.map { ($0.set, $0.element, "port mapping \($0.mapping)") }
            + publication.hairpinElements.map { ($0.set, $0.element, "hairpin element in \($0.set.name)") }
        for (set, element, place) in expected {
            let found = try transport.elements(of: set, keys: [element.key])?.first
            if found == nil {
                missing.append(place)
            } else if found?.comment != element.comment || found?.data != element.data {
                missing.append("\(place) belongs to another attachment or target (\(Self.holder(found?.comment)))")
            }
        }
        if !missing.isEmpty { throw MissingFirewallState(missing: missing) }
    }

    /// Deletes the network's elements whose owner is not in `valid`, then every port-mapping
    /// object if no mapping is left on any network.
    /// - Throws: `NftablesError`.
    public func garbageCollect(network: String, valid: Set<Attachment>) throws {
        let hash = OwnerTag.networkHash(network)
        let owners = Set(valid.map { OwnerTag.owner(network: network, attachment: $0) })
        let sets = PortMappingObjects.maps + PortMappingObjects.hairpinSets
        let outcome = try StaleElementRemover(transport: transport).remove(from: sets.map { ($0, nil) }) { comment in
            guard let owner = OwnerTag.ownerPrefix(of: comment) else { return false }
            return owner.hasPrefix(hash + "-") && !owners.contains(owner)
        }
        if outcome.sawNetwork { try removeObjectsIfEmpty() }
    }

    /// Removes the shared objects when no map or set holds an element, in a batch pinned to the
    /// generation it read, so a concurrent ADD's element is never lost.
    func removeObjectsIfEmpty() throws {
        let generation = try transport.generation()
        let marker = PortMappingObjects.readyMarker.element.key
        for set in PortMappingObjects.maps + PortMappingObjects.hairpinSets {
            if let elements = try transport.elements(of: set, keys: nil), elements.contains(where: { $0.key != marker }) { return }
        }
        do {
            try transport.apply(Batch(PortMappingObjects.teardown(), expectedGeneration: generation))
        } catch let error as NftablesError where [EBUSY, ENOENT, ERESTART].contains(error.errno) {
            return  // in use again, already gone, or changed meanwhile: the next GC looks again
        }
    }
}
