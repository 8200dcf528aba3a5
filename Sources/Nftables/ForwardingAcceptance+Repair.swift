import CNIProtocol

/// Restoring forwarding acceptance for every live attachment of a network at once, for
/// `nsbridge repair` after `nft flush ruleset` (which removes iptables-nft's tables as well as
/// ours). One read of each host table, one listing of the membership map, one batch.
extension ForwardingAcceptance {
    /// An attachment that must be a member, with its host veth.
    public struct Member: Sendable {
        public var attachment: Attachment
        public var hostInterface: String

        public init(attachment: Attachment, hostInterface: String) {
            self.attachment = attachment
            self.hostInterface = hostInterface
        }
    }

    /// Re-creates what the network lacks in the host's iptables tables and the members'
    /// elements. Nothing is written when nothing is missing, or when the host has no iptables
    /// `FORWARD` chain (then nothing drops forwarded traffic there, and ADD adds nothing either).
    /// - Returns: what was missing, in words.
    /// - Throws: `NftablesError`.
    public func repair(network: String, bridge: String, members: [Member]) throws -> [String] {
        var missing: [String] = []
        try retryingOnGenerationChange { generation in
            let tables = try hostTables()
            missing = []
            guard !tables.isEmpty, !members.isEmpty else { return }
            var operations = tables.flatMap { Self.repairs($0, network: network, bridge: bridge) }
            missing = operations.isEmpty ? [] : tables.map { "forwarding acceptance for bridge \(bridge) in \($0.table)" }
            let membership = Self.membership(network: network)
            let present = Dictionary((try transport.elements(of: membership.map, keys: nil) ?? []).map { ($0.key, $0) },
                                     uniquingKeysWith: { first, _ in first })
            let absent = members.map { Self.memberElement(network: network, attachment: $0.attachment, hostInterface: $0.hostInterface) }
                .filter { present[$0.key] != $0 }
            missing += absent.map { "forwarding member \(SetElement.describe(key: $0.key, as: .interfaceName))" }
            if !absent.isEmpty {
                operations += [.addTable(membership.map.table), .addChain(membership.chain), .addSet(membership.map)]
                operations += absent.flatMap { NetworkObjects.replace($0, in: membership.map) }
            }
            if !operations.isEmpty { try transport.apply(Batch(operations, expectedGeneration: generation)) }
        }
        return missing
    }
}

/// What `nsbridge doctor` needs to judge a DROP policy in iptables-nft's `FORWARD` chains.
public struct ForwardingAcceptanceState: Sendable {
    /// `ip filter` or `ip6 filter`.
    public var table: Table
    /// Our jump to `NSBRIDGE-FORWARD` is in the table's `FORWARD` chain.
    public var hasJump: Bool
    /// The comments of the rules in `NSBRIDGE-FORWARD`.
    public var ruleComments: [String?]

    /// Whether the table accepts `bridge`'s traffic for `network` (the jump and both rules).
    public func accepts(network: String, bridge: String) -> Bool {
        let expected = ForwardingAcceptance.ruleComment(network: network, bridge: bridge)
        return hasJump && ruleComments.filter { $0 == expected }.count == 2
    }
}

extension ForwardingAcceptance {
    /// The iptables-nft tables that have a `FORWARD` chain, with what nsbridge put there.
    /// - Throws: `NftablesError`.
    public func states() throws -> [ForwardingAcceptanceState] {
        try hostTables().map { state in
            ForwardingAcceptanceState(table: state.table, hasJump: state.forwardRules.contains { $0.comment == Self.jumpComment },
                                      ruleComments: (state.ourRules ?? []).map(\.comment))
        }
    }
}
