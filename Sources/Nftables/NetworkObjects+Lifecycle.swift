import CNIProtocol

// DEL, GC and CHECK of one network's objects, shared by masquerade, both spoof checks and
// isolation: each names its objects and keys, the lifecycle is the same.
extension NetworkObjects {
    /// Every set whose elements carry an attachment's owner comment.
    var elementSets: [NamedSet] { dispatchMaps + ownedSets }

    /// DEL's share of a feature built on these objects (see ``AttachmentRemoval``): the
    /// elements at `targets` that `owner` holds, then the network's objects if nothing refers
    /// to them any more.
    /// - Parameters:
    ///   - targets: each set with the keys to read, or `nil` to list the set.
    ///   - targetRules: the target chain's rule count, when known; else it is listed.
    func removal(ownedBy owner: String, port: (set: NamedSet, key: [UInt8])? = nil, targetRules: Int?,
                 targets: @escaping (_ port: SetElement?) -> [RemovalPart.Target]) -> RemovalPart {
        RemovalPart(owner: owner, port: port, targets: targets,
                    tidy: RemovalPart.Tidy(chain: target, referencingSets: dispatchMaps, ownRules: targetRules,
                                           teardown: { teardownIfUnused() }))
    }

    /// DEL's targets in address-keyed dispatch maps (IPv4 first, then IPv6): each map with the
    /// addresses of its family, or `nil` to list it when the addresses are no longer known.
    func addressTargets(_ addresses: [IPAddress]?) -> [(set: NamedSet, keys: [[UInt8]]?)] {
        dispatchMaps.enumerated().map { index, map in
            (set: map, keys: addresses.map { list in list.filter { ($0.family == .v4) == (index == 0) }.map(SetElement.key) })
        }
    }

    /// GC: deletes every element whose owner is not one of `valid`, then the network's objects
    /// if nothing refers to them any more.
    func garbageCollect(network: String, valid: Set<Attachment>, transport: any NftablesTransport) throws {
        let owners = Set(valid.map { OwnerTag.owner(network: network, attachment: $0) })
        try removeElements(from: elementSets.map { (set: $0, keys: nil) }, transport: transport) { comment in
            guard let owner = OwnerTag.ownerPrefix(of: comment) else { return true }
            return !owners.contains(owner)
        }
    }

    private func removeElements(from targets: [(set: NamedSet, keys: [[UInt8]]?)], transport: any NftablesTransport,
                                knownRules: Int? = nil, where isStale: (String?) -> Bool) throws {
        let outcome = try StaleElementRemover(transport: transport).remove(from: targets, where: isStale)
        if outcome.removedAny || outcome.sawNetwork {
            try transport.removeIfUnused(self, knownRules: knownRules)
        }
    }

    /// CHECK: throws naming every missing chain, a chain with the wrong number of rules, and
    /// every element that is absent or held by another attachment. Never repairs.
    /// - Parameters:
    ///   - feature: how messages name the elements (`masquerade`, `isolation`, …).
    ///   - baseRuleCount: the base chain's exact rule count.
    ///   - minimumTargetRules: the fewest rules the target chain may hold.
    /// - Throws: `MissingFirewallState`; `NftablesError` if the kernel cannot be asked.
    func verify(_ elements: [(set: NamedSet, element: SetElement)], owner: String, feature: String,
                baseRuleCount: Int, minimumTargetRules: Int, transport: any NftablesTransport) throws {
        var missing = try missingChains(baseRuleCount: baseRuleCount, minimumTargetRules: minimumTargetRules,
                                        transport: transport)
        for (set, element) in elements {
            let found = try transport.elements(of: set, keys: [element.key])?.first
            let place = "\(feature) element \(SetElement.describe(key: element.key, as: set.key)) in \(set.table) \(set.name)"
            if found == nil {
                missing.append(place)
            } else if OwnerTag.ownerPrefix(of: found?.comment) != owner {
                missing.append("\(place) belongs to another attachment (\(found?.comment ?? "no comment"))")
            }
        }
        if !missing.isEmpty { throw MissingFirewallState(missing: missing) }
    }

    /// The chains that are missing or hold the wrong number of rules, in words.
    func missingChains(baseRuleCount: Int, minimumTargetRules: Int, transport: any NftablesTransport) throws -> [String] {
        var missing: [String] = []
        for (chain, expected, exact) in [(base, baseRuleCount, true), (target, minimumTargetRules, false)] {
            let place = "chain \(chain.table) \(chain.name)"
            guard let comments = try transport.ruleComments(in: chain) else {
                missing.append(place)
                continue
            }
            if exact ? comments.count != expected : comments.count < expected {
                missing.append("\(place) has \(comments.count) rules, expected \(exact ? "" : "at least ")\(expected)")
            }
        }
        return missing
    }
}

extension NetworkPart {
    /// CHECK of a part whose rules are fully known: the chains must hold exactly its rules.
    func verify(owner: String, feature: String, transport: any NftablesTransport) throws {
        try objects.verify(elements, owner: owner, feature: feature, baseRuleCount: baseRules.count,
                           minimumTargetRules: targetRules.count, transport: transport)
    }
}
