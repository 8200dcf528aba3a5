import CNIProtocol

/// A register of the nftables virtual machine. `verdict` is register 0; the others are the
/// 16-byte registers 1–4 (`NFT_REG_1`…`NFT_REG_4`).
public enum Register: UInt32, Hashable, Sendable {
    case verdict = 0
    case r1 = 1
    case r2 = 2
    case r3 = 3
    case r4 = 4
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
    /// `[ payload load <len>b @ <base> header + <offset> => reg N ]`
    case payload(PayloadBase, offset: UInt32, length: UInt32, into: Register)
    /// `[ cmp <op> reg N <data> ]`
    case compare(Register, CompareOperator, [UInt8])
    /// `[ bitwise reg N = ( reg N & mask ) ^ xor ]`
    case bitwise(Register, mask: [UInt8], xor: [UInt8])
    /// `[ lookup reg N set <name> ]`, or `dreg 0` when `verdictMap` (a vmap dispatch).
    case lookup(Register, set: String, verdictMap: Bool)
    /// `[ immediate reg 0 <verdict> ]`
    case verdict(Verdict)
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
