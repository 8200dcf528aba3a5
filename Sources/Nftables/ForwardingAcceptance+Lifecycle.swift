#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol

/// ADD, DEL, CHECK and GC of forwarding acceptance (see `ForwardingAcceptance`). Every write is
/// one batch pinned to the ruleset generation its reads saw, so rule handles are never stale
/// and concurrent plugins never duplicate or half-remove the shared rules: on ERESTART they
/// read again.
extension ForwardingAcceptance {
    /// What one of iptables' tables holds of ours.
    struct HostTableState {
        var table: Table
        var forwardRules: [RuleEntry]
        /// `nil` when `NSBRIDGE-FORWARD` does not exist.
        var ourRules: [RuleEntry]?
    }

    /// The iptables tables that have a `FORWARD` chain, with our rules in them.
    func hostTables() throws -> [HostTableState] {
        try Self.hostTables.compactMap { table in
            guard let forward = try transport.rules(in: Self.hostChain(in: table)) else { return nil }
            return HostTableState(table: table, forwardRules: forward, ourRules: try transport.rules(in: Self.chain(in: table)))
        }
    }

    /// Accepts `bridge`'s forwarded traffic in every iptables `FORWARD` chain the host has, and
    /// records the attachment as a user of it. Does nothing on a host without such chains.
    ///
    /// `nft insert rule ip filter FORWARD counter jump NSBRIDGE-FORWARD` (once per host),
    /// `nft add rule ip filter NSBRIDGE-FORWARD oifname <bridge> … accept` (once per network),
    /// `nft add element inet nsbridge nsb-H-fwd { "<host veth>" : goto nsb-H-forwarding }`.
    /// - Throws: `NftablesError`.
    public func add(network: String, attachment: Attachment, bridge: String, hostInterface: String) throws {
        let element = Self.memberElement(network: network, attachment: attachment, hostInterface: hostInterface)
        let membership = Self.membership(network: network)
        try retryingOnGenerationChange { generation in
            let tables = try hostTables()
            guard !tables.isEmpty else { return }
            var operations = tables.flatMap { Self.repairs($0, network: network, bridge: bridge) }
            let present = try transport.elements(of: membership.map, keys: [element.key])?.first
            if present != element {
                operations += [.addTable(membership.map.table), .addChain(membership.chain), .addSet(membership.map)]
                operations += present == nil ? [.addElements(membership.map, [element])] : NetworkObjects.replace(element, in: membership.map)
            }
            if !operations.isEmpty { try transport.apply(Batch(operations, expectedGeneration: generation)) }
        }
    }

    /// What a table lacks for `network`: our chains, the jumps, and the network's two rules
    /// (rewritten if their count or comment is off).
    static func repairs(_ state: HostTableState, network: String, bridge: String) -> [Operation] {
        let table = state.table
        var operations: [Operation] = []
        if state.ourRules == nil { operations += [.addChain(adminChain(in: table)), .addChain(chain(in: table))] }
        if !state.forwardRules.contains(where: { $0.comment == jumpComment }) { operations.append(.insertRule(jumpRule(in: table))) }
        let ours = state.ourRules ?? []
        if !ours.contains(where: { $0.comment == adminJumpComment }) {
            if state.ourRules != nil { operations.append(.addChain(adminChain(in: table))) }
            operations.append(.insertRule(adminJumpRule(in: table)))
        }
        let mine = ours.filter { isRule($0.comment, of: network) }
        let expected = ruleComment(network: network, bridge: bridge)
        if mine.count != 2 || mine.contains(where: { $0.comment != expected }) {
            operations += mine.map { .deleteRule(chain(in: table), handle: $0.handle) }
            operations += networkRules(in: table, network: network, bridge: bridge).map { .addRule($0) }
        }
        return operations
    }

    /// Removes the attachment's membership and, if it was the network's last, the network's
    /// rules (and ours altogether after the last network). Succeeds if nothing is there.
    /// - Throws: `NftablesError`.
    public func remove(network: String, attachment: Attachment, hostInterface: String) throws {
        try AttachmentRemoval(transport: transport).remove([removal(network: network, attachment: attachment, hostInterface: hostInterface)])
    }

    /// DEL's share (see ``AttachmentRemoval``): the membership element, and the network's rules
    /// when it was the last member (the host's tables are read only then).
    public func removal(network: String, attachment: Attachment, hostInterface: String) -> RemovalPart {
        let membership = Self.membership(network: network)
        return RemovalPart(owner: OwnerTag.owner(network: network, attachment: attachment),
                           targets: { _ in [(membership.map, [SetElement.key(interfaceName: hostInterface)])] },
                           tidy: RemovalPart.Tidy(chain: membership.chain, referencingSets: [membership.map], ownRules: 0,
                                                  teardown: { try teardown(network: network) }))
    }

    /// Deletes the network's membership elements whose owner is not in `valid`, then the
    /// network's rules if no attachment is left.
    /// - Throws: `NftablesError`.
    public func garbageCollect(network: String, valid: Set<Attachment>) throws {
        let owners = Set(valid.map { OwnerTag.owner(network: network, attachment: $0) })
        let outcome = try StaleElementRemover(transport: transport)
            .remove(from: [(set: Self.membership(network: network).map, keys: nil)]) { comment in
                guard let owner = OwnerTag.ownerPrefix(of: comment) else { return true }
                return !owners.contains(owner)
            }
        if outcome.removedAny || outcome.sawNetwork { try removeIfUnused(network: network) }
    }

    /// Tears the network down if its membership chain has no user left. The batch deletes that
    /// chain first, so an element added concurrently makes the kernel refuse all of it (EBUSY).
    func removeIfUnused(network: String) throws {
        let membership = Self.membership(network: network)
        try retryingOnGenerationChange { generation in
            if let use = try transport.useCount(of: membership.chain), use > 0 { return }
            do {
                try transport.apply(Batch(teardown(network: network), expectedGeneration: generation))
            } catch let error as NftablesError where error.errno == EBUSY {
                return
            }
        }
    }

    /// The network's membership bookkeeping, and its rules in every iptables table the host has.
    func teardown(network: String) throws -> [Operation] {
        let membership = Self.membership(network: network)
        var operations: [Operation] = [
            .addTable(membership.chain.table), .addChain(membership.chain), .deleteChain(membership.chain),
            .addSet(membership.map), .deleteSet(membership.map),
        ]
        for state in try hostTables() {
            operations += try Self.removals(state, network: network, adminRules: transport.rules(in: Self.adminChain(in: state.table)))
        }
        return operations
    }

    /// The network's rules in one table, and our jump and chains when no other network is left.
    /// The admin chain goes only if the operator left it empty.
    static func removals(_ state: HostTableState, network: String, adminRules: [RuleEntry]?) -> [Operation] {
        guard let ours = state.ourRules else { return [] }
        let table = state.table
        let mine = ours.filter { isRule($0.comment, of: network) }
        var operations = mine.map { Operation.deleteRule(chain(in: table), handle: $0.handle) }
        let others = ours.filter { !isRule($0.comment, of: network) && $0.comment != adminJumpComment }
        guard others.isEmpty else { return operations }
        operations += state.forwardRules.filter { $0.comment == jumpComment }.map { .deleteRule(hostChain(in: table), handle: $0.handle) }
        operations.append(.deleteChain(chain(in: table)))
        if adminRules?.isEmpty == true { operations.append(.deleteChain(adminChain(in: table))) }
        return operations
    }

    /// Verifies, in every iptables table the host has, our jumps and the network's rules for
    /// `bridge`, and the attachment's membership. Nothing is expected on a host without them.
    /// - Throws: `MissingFirewallState` naming what is missing; `NftablesError`.
    public func check(network: String, attachment: Attachment, bridge: String, hostInterface: String) throws {
        let tables = try hostTables()
        guard !tables.isEmpty else { return }
        var missing: [String] = []
        for state in tables {
            let table = state.table
            if !state.forwardRules.contains(where: { $0.comment == Self.jumpComment }) {
                missing.append("jump to \(Self.chainName) in chain \(table) \(Self.hostChainName)")
            }
            guard let ours = state.ourRules else {
                missing.append("chain \(table) \(Self.chainName)")
                continue
            }
            let expected = Self.ruleComment(network: network, bridge: bridge)
            let count = ours.filter { $0.comment == expected }.count
            if count != 2 { missing.append("chain \(table) \(Self.chainName) has \(count) rules for bridge \(bridge), expected 2") }
        }
        let map = Self.membership(network: network).map
        let found = try transport.elements(of: map, keys: [SetElement.key(interfaceName: hostInterface)])?.first
        if OwnerTag.ownerPrefix(of: found?.comment) != OwnerTag.owner(network: network, attachment: attachment) {
            missing.append("forwarding member \"\(hostInterface)\" in map \(map.table) \(map.name)")
        }
        if !missing.isEmpty { throw MissingFirewallState(missing: missing) }
    }

    /// Runs `body` with a fresh ruleset generation until its pinned batch is not refused with
    /// ERESTART (another transaction committed between the reads and the write).
    func retryingOnGenerationChange(_ body: (UInt32) throws -> Void) throws {
        try transport.retryingWhileRulesetChanges("forwarding acceptance") { try body(try transport.generation()) }
    }
}
