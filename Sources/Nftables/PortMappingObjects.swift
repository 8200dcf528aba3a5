import CNIProtocol

/// The nftables objects behind port mappings, shared by every nsbridge network on the host (so
/// that a host port can be held by one attachment only), and the rules that use them.
///
/// ```
/// table inet nsbridge {
///   map nsb-portmap-any4 { type inet_proto . inet_service : ipv4_addr . inet_service }
///   map nsb-portmap-at4  { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service }
///   map nsb-portmap-any6 { type inet_proto . inet_service : ipv6_addr . inet_service }
///   map nsb-portmap-at6  { type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service }
///   set nsb-portmap-hairpin4 { type ipv4_addr . ifname }
///   set nsb-portmap-hairpin6 { type ipv6_addr . ifname }
///   chain nsb-portmap-prerouting { type nat hook prerouting priority dstnat; fib daddr type local goto nsb-portmap-dnat }
///   chain nsb-portmap-output { type nat hook output priority dstnat; fib daddr type local goto nsb-portmap-dnat }
///   chain nsb-portmap-dnat {
///     dnat ip to ip daddr . meta l4proto . th dport map @nsb-portmap-at4
///     dnat ip to meta l4proto . th dport map @nsb-portmap-any4
///     dnat ip6 to ip6 daddr . meta l4proto . th dport map @nsb-portmap-at6
///     dnat ip6 to meta l4proto . th dport map @nsb-portmap-any6 }
///   chain nsb-portmap-hairpin { type filter hook prerouting priority dstnat + 1;
///     ct status dnat ip daddr . iifname @nsb-portmap-hairpin4 meta mark set mark | 0x2000
///     ct status dnat ip6 daddr . iifname @nsb-portmap-hairpin6 meta mark set mark | 0x2000 }
///   chain nsb-portmap-postrouting { type nat hook postrouting priority srcnat;
///     ct status dnat ip saddr 127.0.0.0/8 masquerade
///     ct status dnat meta mark & 0x2000 == 0x2000 masquerade }
/// }
/// ```
/// A mapping with a `hostIP` lives in an `at` map and wins over one without (its rule comes
/// first). The source is rewritten only where replies would otherwise bypass the host's
/// conntrack: for `127.0.0.1` (which cannot leave the host) and for a flow that enters from a
/// mapped container's own bridge (hairpin and neighbour containers, whose replies would go
/// straight back over the bridge). The input interface is known only before routing, so the
/// hairpin chain marks such flows (bit 0x2000, the reference `portmap`'s default masquerade
/// bit) right after DNAT and postrouting masquerades what is marked. The hairpin set holds one
/// `(container address . bridge)` element per mapped attachment. Rule count: 2 + 4 + 2 + 2,
/// whatever the number of mappings.
struct PortMappingObjects {
    static let table = MasqueradeFirewall.table
    static let ruleComment = "nsbridge port mappings"

    static let prerouting = Chain(table: table, name: "nsb-portmap-prerouting", hook: .destinationNAT)
    static let output = Chain(table: table, name: "nsb-portmap-output", hook: .outputDestinationNAT)
    static let dnat = Chain(table: table, name: "nsb-portmap-dnat")
    static let hairpin = Chain(table: table, name: "nsb-portmap-hairpin", hook: .afterDestinationNAT)
    static let postrouting = Chain(table: table, name: "nsb-portmap-postrouting", hook: .sourceNAT)
    /// The packet mark bit that asks postrouting to masquerade a DNATed flow.
    static let masqueradeMark: UInt32 = 0x2000

    /// The map of mappings for a family, with (`specific`) or without a host address.
    static func map(_ family: IPFamily, specific: Bool) -> NamedSet {
        let address: SetKeyType = family == .v4 ? .ipv4Address : .ipv6Address
        let port: [SetKeyType] = [.inetProtocol, .inetService]
        return NamedSet(table: table, name: "nsb-portmap-\(specific ? "at" : "any")\(family == .v4 ? 4 : 6)",
                        key: .concatenation(specific ? [address] + port : port),
                        data: .concatenation([address, .inetService]))
    }

    static func hairpinSet(_ family: IPFamily) -> NamedSet {
        let address: SetKeyType = family == .v4 ? .ipv4Address : .ipv6Address
        return NamedSet(table: table, name: "nsb-portmap-hairpin\(family == .v4 ? 4 : 6)",
                        key: .concatenation([address, .interfaceName]))
    }

    static let maps: [NamedSet] = IPFamily.allCases.flatMap { [map($0, specific: true), map($0, specific: false)] }
    static let hairpinSets: [NamedSet] = IPFamily.allCases.map(hairpinSet)
    static let chains = [prerouting, output, dnat, hairpin, postrouting]

    /// The rules of each chain, in the order of `chains`.
    static let rules: [[[Expression]]] = [[localDestination], [localDestination], dnatRules, hairpinRules, postroutingRules]

    /// `fib daddr type local goto nsb-portmap-dnat`: only traffic to the host's own addresses.
    static var localDestination: [Expression] {
        [.fibDestinationType(into: .r1), .compare(.r1, .equal, nativeBytes(2)), .verdict(.goto(dnat.name))]
    }

    /// `dnat ip to [ip daddr .] meta l4proto . th dport map @…`, most specific first.
    static var dnatRules: [[Expression]] {
        IPFamily.allCases.flatMap { family in
            [true, false].map { specific in dnatRule(family, specific: specific) }
        }
    }

    private static func dnatRule(_ family: IPFamily, specific: Bool) -> [Expression] {
        // The key fields are loaded into consecutive 4-byte registers, as nft lays out a concatenation.
        let v4 = family == .v4
        var key: [Expression] = []
        var next: [Register] = [.r1, .r1word1, .r1word2]
        if specific {
            key.append(v4 ? .payload(.network, offset: 16, length: 4, into: .r1)
                          : .payload(.network, offset: 24, length: 16, into: .r1))
            next = v4 ? [.r1word1, .r1word2] : [.r2, .r2word1]
        }
        key.append(.meta(.layer4Protocol, into: next[0]))
        key.append(.payload(.transport, offset: 2, length: 2, into: next[1]))
        let set = map(family, specific: specific).name
        return Expression.protocolFamily(family) + key
            + [.mapLookup(.r1, set: set, into: .r1), .destinationNAT(family, address: .r1, port: v4 ? .r1word1 : .r2)]
    }

    /// `ct status dnat`
    static var destinationNATted: [Expression] {
        [.conntrack(.status, into: .r1), .bitwise(.r1, mask: nativeBytes(0x20), xor: nativeBytes(0)),
         .compare(.r1, .notEqual, nativeBytes(0))]
    }

    /// Marks DNATed flows that entered from the bridge of the container they now go to.
    static var hairpinRules: [[Expression]] {
        IPFamily.allCases.map { family in
            let v4 = family == .v4
            return Expression.protocolFamily(family) + destinationNATted + [
                v4 ? .payload(.network, offset: 16, length: 4, into: .r1) : .payload(.network, offset: 24, length: 16, into: .r1),
                .meta(.inputInterfaceName, into: v4 ? .r1word1 : .r2),
                .lookup(.r1, set: hairpinSet(family).name, verdictMap: false),
                .meta(.mark, into: .r1),
                .bitwise(.r1, mask: nativeBytes(~masqueradeMark), xor: nativeBytes(masqueradeMark)),
                .setMeta(.mark, from: .r1),
            ]
        }
    }

    /// Masquerade of DNATed flows from `127.0.0.0/8` and of marked (hairpin) flows.
    static var postroutingRules: [[Expression]] {
        let loopback: [Expression] = [.payload(.network, offset: 12, length: 1, into: .r1), .compare(.r1, .equal, [127])]
        let marked: [Expression] = [
            .meta(.mark, into: .r1), .bitwise(.r1, mask: nativeBytes(masqueradeMark), xor: nativeBytes(0)),
            .compare(.r1, .equal, nativeBytes(masqueradeMark)),
        ]
        return [Expression.protocolFamily(.v4) + destinationNATted + loopback + [.masquerade],
                destinationNATted + marked + [.masquerade]]
    }

    /// The element that says the objects were set up: written last in the setup batch, gone
    /// with the table after `nft flush ruleset`. One lookup of it replaces listing the five
    /// chains on every ADD (rewriting them every time would make each ADD wait for an RCU grace
    /// period when its netfilter socket closes; see PERFORMANCE.md). No packet matches it
    /// (a DNATed destination is never 0.0.0.0) and it has no owner comment, so DEL and GC
    /// never take it for an attachment's.
    static let readyMarker = (set: hairpinSet(.v4),
                              element: SetElement(key: [0, 0, 0, 0] + SetElement.key(interfaceName: "nsb-ready")))

    /// Creates whatever is missing and rewrites the four chains, then the ready marker; idempotent.
    static func setup() -> [Operation] {
        var operations: [Operation] = [.addTable(table)]
        operations += (maps + hairpinSets).map { .addSet($0) }
        operations += [dnat, prerouting, output, hairpin, postrouting].map { .addChain($0) }
        operations += chains.map { .flushChain($0) }
        for (chain, chainRules) in zip(chains, rules) {
            operations += chainRules.map { .addRule(Rule(chain: chain, expressions: $0, comment: ruleComment)) }
        }
        operations.append(.addElements(readyMarker.set, [readyMarker.element]))
        return operations
    }

    /// Removes every port-mapping object. The hooked chains go first (their rules reference the
    /// maps), then the dispatch chain, then the maps and sets.
    static func teardown() -> [Operation] {
        var operations: [Operation] = [.addTable(table)]
        for chain in [prerouting, output, hairpin, postrouting, dnat] {
            let plain = Chain(table: table, name: chain.name)
            operations += [.addChain(plain), .deleteChain(plain)]
        }
        operations += (maps + hairpinSets).flatMap { [Operation.addSet($0), .deleteSet($0)] }
        return operations
    }

    /// The map element of one mapping to `address`, tagged with `comment`.
    static func element(_ mapping: PortMapping, to address: IPAddress, comment: String) -> (set: NamedSet, element: SetElement) {
        let data = address.bytes + SetElement.portBytes(mapping.containerPort)
        return (map(address.family, specific: !mapping.isWildcard),
                SetElement(key: mapping.key, comment: comment, data: data))
    }

    /// The hairpin element of a container address on `bridge`.
    static func hairpinElement(_ address: IPAddress, bridge: String, comment: String) -> (set: NamedSet, element: SetElement) {
        (hairpinSet(address.family), SetElement(key: address.bytes + SetElement.key(interfaceName: bridge), comment: comment))
    }
}

/// A 32-bit value as the kernel keeps it in a register (host byte order).
func nativeBytes(_ value: UInt32) -> [UInt8] {
    withUnsafeBytes(of: value) { Array($0) }
}
