import CNIProtocol

// ADD, DEL, CHECK and GC of `isolate` state, shaped like masquerade's: elements keyed by the
// container's addresses and owned by the attachment, the network's objects removed with its
// last element.
extension NetworkIsolation {
    /// Isolates `bridge`'s network and routes traffic towards `addresses` through the check.
    ///
    /// `nft add element inet nsbridge nsb-H-dst4 { <address> : goto nsb-H-isolate }`, after
    /// creating or repairing the network's chains and maps, all in one transaction.
    /// - Throws: `NftablesError`.
    public func add(network: String, attachment: Attachment, bridge: String, addresses: [IPAddress]) throws {
        let objects = Self.objects(network: network)
        let (baseRules, targetRules) = Self.rules(objects, bridge: bridge)
        let elements = addresses.map { Self.dispatchElement(objects, network: network, attachment: attachment, address: $0) }
        let ready = try objects.addElementsIfReady(
            elements, baseRuleCount: baseRules.count, targetRuleCount: targetRules.count,
            ruleComment: Self.ruleComment(network: network, bridge: bridge), transport: transport)
        if ready { return }
        try transport.apply(Self.addBatch(network: network, attachment: attachment, bridge: bridge, addresses: addresses))
    }

    /// Removes the attachment's elements, and the network's objects if they were the last.
    /// - Parameter addresses: the attachment's addresses if still known; `nil` lists the maps.
    /// - Throws: `NftablesError`.
    public func remove(network: String, attachment: Attachment, addresses: [IPAddress]?) throws {
        let objects = Self.objects(network: network)
        let owner = OwnerTag.owner(network: network, attachment: attachment)
        let targets = objects.dispatchMaps.enumerated().map { index, map in
            (set: map, keys: addresses.map { list in list.filter { ($0.family == .v4) == (index == 0) }.map(SetElement.key) })
        }
        let outcome = try StaleElementRemover(transport: transport).remove(from: targets) { OwnerTag.ownerPrefix(of: $0) == owner }
        if outcome.removedAny || outcome.sawNetwork {
            // The target chain's rule count does not depend on the bridge name.
            try transport.removeIfUnused(objects, knownRules: Self.rules(objects, bridge: "").target.count)
        }
    }

    /// Verifies the network's chains and that every address is routed through the check on
    /// behalf of `attachment`.
    /// - Throws: `MissingFirewallState` naming every missing or foreign item; `NftablesError`.
    public func check(network: String, attachment: Attachment, bridge: String, addresses: [IPAddress]) throws {
        let objects = Self.objects(network: network)
        let (baseRules, targetRules) = Self.rules(objects, bridge: bridge)
        var missing = try MasqueradeFirewall.missingChains(objects, transport: transport, baseRuleCount: baseRules.count,
                                                           minimumTargetRules: targetRules.count)
        let owner = OwnerTag.owner(network: network, attachment: attachment)
        for address in addresses {
            let (map, element) = Self.dispatchElement(objects, network: network, attachment: attachment, address: address)
            let found = try transport.elements(of: map, keys: [element.key])?.first
            let place = "isolation element \(address) in map \(map.table) \(map.name)"
            if found == nil {
                missing.append(place)
            } else if OwnerTag.ownerPrefix(of: found?.comment) != owner {
                missing.append("\(place) belongs to another attachment (\(found?.comment ?? "no comment"))")
            }
        }
        if !missing.isEmpty { throw MissingFirewallState(missing: missing) }
    }

    /// Deletes the network's elements whose owner is not in `valid`, then the network's objects
    /// if none remain.
    /// - Throws: `NftablesError`.
    public func garbageCollect(network: String, valid: Set<Attachment>) throws {
        let objects = Self.objects(network: network)
        let owners = Set(valid.map { OwnerTag.owner(network: network, attachment: $0) })
        let outcome = try StaleElementRemover(transport: transport)
            .remove(from: objects.dispatchMaps.map { (set: $0, keys: nil) }) { comment in
                guard let owner = OwnerTag.ownerPrefix(of: comment) else { return true }
                return !owners.contains(owner)
            }
        if outcome.removedAny || outcome.sawNetwork {
            try transport.removeIfUnused(objects)
        }
    }

    /// Removes every network's isolation objects except those of `networks`.
    /// - Throws: `NftablesError`.
    public func removeNetworks(keeping networks: Set<String>) throws {
        try removeForeignNetworks(table: Self.table, keeping: networks, transport: transport, objects: Self.objects(hash:))
    }
}
