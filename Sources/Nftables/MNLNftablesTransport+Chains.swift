#if canImport(Glibc)
import Glibc
#endif
import CMnl
import CNetlinkShims
import CNftnl

/// A chain of any table on the host, as the operator tools need to see it: who else filters
/// forwarded traffic, and what the reference plugins left behind.
public struct ChainSummary: Equatable, Sendable {
    /// `NFPROTO_*`: 1 inet, 2 ip, 7 bridge, 10 ip6.
    public var family: UInt8
    public var table: String
    public var name: String
    /// `NF_INET_*` hook number for a base chain (2 is forward), `nil` for a regular chain.
    public var hook: UInt32?
    /// `NF_ACCEPT` (1) or `NF_DROP` (0) for a base chain.
    public var policy: UInt32?

    /// `NF_INET_FORWARD`.
    public static let forwardHook: UInt32 = 2
    /// `NF_DROP`, a base chain's policy verdict.
    public static let dropPolicy: UInt32 = 0

    /// `ip filter FORWARD`, as `nft list` names it.
    public var description: String {
        let families: [UInt8: String] = [1: "inet", 2: "ip", 3: "arp", 5: "netdev", 7: "bridge", 10: "ip6"]
        return "\(families[family] ?? "family \(family)") \(table) \(name)"
    }

    /// A base chain on the forward hook whose policy drops.
    public var dropsForwardedByDefault: Bool {
        family != 7 && hook == Self.forwardHook && policy == Self.dropPolicy
    }
}

extension MNLNftablesTransport {
    /// Every chain of every table in the socket's namespace (one dump).
    /// - Throws: `NftablesError`.
    public func allChains() throws -> [ChainSummary] {
        var chains: [ChainSummary] = []
        _ = try request(NFT_MSG_GETCHAIN, family: 0 /* NFPROTO_UNSPEC: every family */, dump: true,
                        what: "list chains", build: { _ in }) { header in
            let chain = nftnl_chain_alloc()!
            defer { nftnl_chain_free(chain) }
            guard nftnl_chain_nlmsg_parse(header, chain) >= 0 else { return }
            func text(_ attribute: nftnl_chain_attr) -> String {
                nftnl_chain_get_str(chain, UInt16(attribute.rawValue)).map { String(cString: $0) } ?? ""
            }
            func number(_ attribute: nftnl_chain_attr) -> UInt32? {
                nftnl_chain_is_set(chain, UInt16(attribute.rawValue))
                    ? nftnl_chain_get_u32(chain, UInt16(attribute.rawValue)) : nil
            }
            chains.append(ChainSummary(
                family: UInt8(truncatingIfNeeded: number(NFTNL_CHAIN_FAMILY) ?? 0), table: text(NFTNL_CHAIN_TABLE),
                name: text(NFTNL_CHAIN_NAME), hook: number(NFTNL_CHAIN_HOOKNUM), policy: number(NFTNL_CHAIN_POLICY)))
        }
        return chains
    }
}
