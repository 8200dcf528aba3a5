import CNIProtocol

/// A register of the nftables virtual machine. `verdict` is register 0; the others are the
/// 16-byte registers 1–4 (`NFT_REG_1`…`NFT_REG_4`).
public enum Register: UInt32, Hashable, Sendable {
    case verdict = 0
    case r1 = 1
    case r2 = 2
    case r3 = 3
    case r4 = 4
    /// 32-bit registers inside `r1` and `r2` (`NFT_REG32_01`, `NFT_REG32_02`, `NFT_REG32_05`), for
    /// concatenations of short fields, which nft packs 4 bytes apart.
    case r1word1 = 9
    case r1word2 = 10
    case r2word1 = 13
}

/// Where a payload load starts. The corresponding kernel enum is `nft_payload_bases`.
public enum PayloadBase: UInt32, Hashable, Sendable {
    case linkLayer = 0
    case network = 1
    case transport = 2
}

/// Packet metadata a `meta` expression can load. The corresponding kernel enum is `nft_meta_keys`.
public enum MetaKey: UInt32, Hashable, Sendable {
    case protocolFamily = 15  // NFT_META_NFPROTO
    case inputInterfaceName = 6  // NFT_META_IIFNAME
    case outputInterfaceName = 7  // NFT_META_OIFNAME
    case layer4Protocol = 16  // NFT_META_L4PROTO: the transport protocol after any IPv6 extension headers
    case mark = 3  // NFT_META_MARK
    case inputInterfaceGroup = 21  // NFT_META_IIFGROUP
    case outputInterfaceGroup = 22  // NFT_META_OIFGROUP
}

/// Connection-tracking data a `ct` expression can load. The corresponding kernel enum is `nft_ct_keys`.
public enum ConntrackKey: UInt32, Hashable, Sendable {
    case status = 2  // NFT_CT_STATUS: the IPS_* bits, e.g. IPS_DST_NAT (0x20)
}

/// A comparison operator. The corresponding kernel enum is `nft_cmp_ops`.
public enum CompareOperator: UInt32, Hashable, Sendable {
    case equal = 0
    case notEqual = 1
}

/// One nftables VM expression. Only what nsbridge needs; each case maps to one libnftnl
/// expression type, and its doc gives the line `nft --debug=netlink` prints for it.
public enum Expression: Hashable, Sendable {
    /// `[ meta load <key> => reg N ]`
    case meta(MetaKey, into: Register)
    /// `[ meta set <key> with reg N ]`
    case setMeta(MetaKey, from: Register)
    /// `[ payload load <len>b @ <base> header + <offset> => reg N ]`
    case payload(PayloadBase, offset: UInt32, length: UInt32, into: Register)
    /// `[ cmp <op> reg N <data> ]`
    case compare(Register, CompareOperator, [UInt8])
    /// `[ bitwise reg N = ( reg N & mask ) ^ xor ]`
    case bitwise(Register, mask: [UInt8], xor: [UInt8])
    /// `[ lookup reg N set <name> ]`, or `dreg 0` when `verdictMap` (a vmap dispatch).
    case lookup(Register, set: String, verdictMap: Bool)
    /// `[ lookup reg N set <name> 0x1 ]`: matches when the key is *not* in the set (`!= @set`).
    case lookupAbsent(Register, set: String)
    /// `[ ct load <key> => reg N ]`
    case conntrack(ConntrackKey, into: Register)
    /// `[ immediate reg 0 <verdict> ]`
    case verdict(Verdict)
    /// `[ lookup reg N set <name> dreg M ]`: a data-map lookup; no match ends the rule.
    case mapLookup(Register, set: String, into: Register)
    /// `[ fib daddr type => reg N ]`: the route type of the destination (`RTN_LOCAL` = 2).
    case fibDestinationType(into: Register)
    /// `[ nat dnat ip|ip6 addr_min reg N proto_min reg M ]`
    case destinationNAT(IPFamily, address: Register, port: Register)
    /// `[ masq ]`
    case masquerade
    /// `[ counter pkts 0 bytes 0 ]`
    case counter
    /// `[ match name <name> rev <revision> ]`: an x_tables match run by nft_compat, with its
    /// `struct xt_*_mtinfo` bytes. Only for rules in iptables-nft's tables, which iptables can
    /// decode only in this shape (see `ForwardingAcceptance`).
    case match(name: String, revision: UInt32, info: [UInt8])
}

extension Expression {
    /// `meta nfproto ipv4|ipv6`: the guard nft adds before any `ip`/`ip6` match in an inet table.
    static func protocolFamily(_ family: IPFamily) -> [Expression] {
        [.meta(.protocolFamily, into: .r1), .compare(.r1, .equal, [family == .v4 ? 2 : 10])]
    }

    /// The source address loaded into register 1 (`ip saddr` / `ip6 saddr`).
    static func sourceAddress(_ family: IPFamily) -> Expression {
        family == .v4
            ? .payload(.network, offset: 12, length: 4, into: .r1)
            : .payload(.network, offset: 8, length: 16, into: .r1)
    }

    /// `ip daddr <net>` / `ip6 daddr <net>` as nft encodes it: a byte-aligned prefix loads and
    /// compares only the bytes it covers; any other prefix loads the whole address and masks it.
    static func destination(in network: IPNetwork) -> [Expression] {
        let family = network.family
        let offset: UInt32 = family == .v4 ? 16 : 24
        guard network.prefixLength > 0 else { return protocolFamily(family) }
        let address = network.networkAddress.bytes
        var expressions = protocolFamily(family)
        if network.prefixLength % 8 == 0 {
            let byteCount = network.prefixLength / 8
            expressions.append(.payload(.network, offset: offset, length: UInt32(byteCount), into: .r1))
            expressions.append(.compare(.r1, .equal, Array(address.prefix(byteCount))))
        } else {
            expressions.append(.payload(.network, offset: offset, length: UInt32(address.count), into: .r1))
            let mask = network.mask.bytes
            expressions.append(.bitwise(.r1, mask: mask, xor: [UInt8](repeating: 0, count: mask.count)))
            expressions.append(.compare(.r1, .equal, address))
        }
        return expressions
    }
}
