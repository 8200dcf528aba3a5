import CNIProtocol

/// Forwarding acceptance: lets a network's traffic through hosts whose forward hook drops it
/// (Docker's `iptables -P FORWARD DROP`, a distribution's `-A FORWARD -j REJECT`), which is
/// what the reference `firewall` plugin is for.
///
/// ## Why it must live in iptables' own tables
///
/// nftables runs every base chain on a hook, and a drop anywhere is final: an accept in our
/// `inet nsbridge` table cannot override the policy of iptables-nft's `ip filter FORWARD`. So
/// the accept has to be *inside* that chain. We add as little as possible there, in the shapes
/// iptables-nft itself writes, so `iptables-nft -S` and `iptables-save` keep listing the table
/// (iptables refuses a whole table as "incompatible" if one rule uses an expression it cannot
/// turn back into a match, e.g. nft's native `ct state`):
///
/// ```
/// table ip filter {                                  (and ip6 filter, when it exists)
///   chain FORWARD {                                  (iptables' chain: we only insert one rule at its head)
///     counter jump NSBRIDGE-FORWARD comment "nsbridge: …"       = -A FORWARD -m comment --comment "…" -j NSBRIDGE-FORWARD
///     … Docker's / the distribution's rules, never touched …
///   }
///   chain NSBRIDGE-FORWARD {
///     counter jump NSBRIDGE-ADMIN comment "…"                    = operators' chain, consulted first
///     oifname "cni0" <xt conntrack: RELATED,ESTABLISHED,DNAT> counter accept comment "H, net: N, bridge: cni0"
///     iifname "cni0" counter accept comment "H, net: N, bridge: cni0"
///     … two rules per network …
///   }
///   chain NSBRIDGE-ADMIN { }                         (ours to create, the operator's to fill: we never flush it)
/// }
/// ```
/// - Per network, keyed by bridge: containers may send anything (as the reference accepts
///   everything from a container's address), and the bridge receives only replies (`RELATED,
///   ESTABLISHED`) and connections that were destination-NATed to it (`DNAT`, i.e. published
///   ports). Unsolicited routed traffic to container addresses stays subject to the host's
///   policy. The conntrack test is the x_tables `conntrack` match (revision 3) run by
///   nft_compat, exactly as iptables-nft 1.8 encodes `-m conntrack --ctstate`.
/// - Nothing per container: the rule count is 2 per network + 2, and an ADD on a network
///   already in place writes no rule.
/// - Only when the host has the table: if `ip filter` / `ip6 filter` has no `FORWARD` chain,
///   nothing is added to it (nor created). A firewall started after the containers is covered
///   from the network's next ADD on.
/// - Operators can override us: rules in `NSBRIDGE-ADMIN` run before ours (a `DROP` there
///   wins), and our jump is first in `FORWARD` only because we insert it there.
///
/// ## Lifecycle without per-container rules
///
/// Who still uses a network is recorded in our own table, where it costs nothing per packet:
/// `inet nsbridge` holds a verdict map `nsb-H-fwd` (host veth name → `goto nsb-H-forwarding`)
/// with one element per attachment, owned by its comment. The empty chain `nsb-H-forwarding`
/// is never hooked; its kernel use count is the number of attachments. DEL removes its own
/// element (pinned to the generation it read); when the count reaches zero it removes the
/// network's rules in one batch that starts by deleting `nsb-H-forwarding`, so a concurrent ADD
/// that added an element first makes the kernel refuse the whole teardown (EBUSY). The last
/// network also takes its jump and `NSBRIDGE-FORWARD` away, and `NSBRIDGE-ADMIN` if the
/// operator left it empty. CHECK reports missing pieces; GC drops elements of dead attachments.
///
/// firewalld is not covered: with its nftables backend it drops in its own table, and the way
/// in is its zone configuration over D-Bus (put the bridge in the `trusted` zone).
public struct ForwardingAcceptance {
    /// iptables-nft's tables, each with the chain iptables calls `FORWARD`.
    static let hostTables = [Table(family: .ipv4, name: "filter"), Table(family: .ipv6, name: "filter")]
    static let hostChainName = "FORWARD"
    static let chainName = "NSBRIDGE-FORWARD"
    static let adminChainName = "NSBRIDGE-ADMIN"
    static let jumpComment = "nsbridge: accept forwarding for nsbridge networks"
    static let adminJumpComment = "nsbridge: operators' rules go in NSBRIDGE-ADMIN"
    /// `xt_conntrack_mtinfo3` is 164 bytes; x_tables passes match data padded to 8.
    static let conntrackInfoSize = 168

    let transport: any NftablesTransport

    public init(transport: any NftablesTransport) {
        self.transport = transport
    }

    static func hostChain(in table: Table) -> Chain { Chain(table: table, name: hostChainName) }
    static func chain(in table: Table) -> Chain { Chain(table: table, name: chainName) }
    static func adminChain(in table: Table) -> Chain { Chain(table: table, name: adminChainName) }

    /// The bookkeeping of who uses `network`, in `inet nsbridge`.
    static func membership(network: String) -> (map: NamedSet, chain: Chain) {
        let hash = OwnerTag.networkHash(network)
        let table = MasqueradeFirewall.table
        return (NamedSet(table: table, name: "nsb-\(hash)-fwd", key: .interfaceName, isVerdictMap: true),
                Chain(table: table, name: "nsb-\(hash)-forwarding"))
    }

    /// The attachment's membership element.
    static func memberElement(network: String, attachment: Attachment, hostInterface: String) -> SetElement {
        SetElement(key: SetElement.key(interfaceName: hostInterface), verdict: .goto(membership(network: network).chain.name),
                   comment: OwnerTag.elementComment(network: network, attachment: attachment))
    }

    /// The comment of a network's rules: the network's rule comment plus the bridge, so a
    /// changed bridge name makes the next ADD rewrite them.
    static func ruleComment(network: String, bridge: String) -> String {
        var comment = "\(OwnerTag.ruleComment(network: network)), bridge: \(bridge)"
        while comment.utf8.count > commentByteLimit { comment.removeLast() }
        return comment
    }

    /// Whether a rule comment belongs to `network` (any bridge).
    static func isRule(_ comment: String?, of network: String) -> Bool {
        comment?.hasPrefix(OwnerTag.networkHash(network) + ",") == true
    }

    /// `-A FORWARD -m comment --comment "…" -j NSBRIDGE-FORWARD`, for insertion at the head.
    static func jumpRule(in table: Table) -> Rule {
        Rule(chain: hostChain(in: table), expressions: [.counter, .verdict(.jump(chainName))], comment: jumpComment)
    }

    /// `-A NSBRIDGE-FORWARD -m comment --comment "…" -j NSBRIDGE-ADMIN`, kept first.
    static func adminJumpRule(in table: Table) -> Rule {
        Rule(chain: chain(in: table), expressions: [.counter, .verdict(.jump(adminChainName))], comment: adminJumpComment)
    }

    /// `-A NSBRIDGE-FORWARD -o <bridge> -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT` and
    /// `-A NSBRIDGE-FORWARD -i <bridge> -j ACCEPT`, both with the network's comment.
    static func networkRules(in table: Table, network: String, bridge: String) -> [Rule] {
        let name = Array(bridge.utf8) + [0]
        let comment = ruleComment(network: network, bridge: bridge)
        let toBridge: [Expression] = [
            .meta(.outputInterfaceName, into: .r1), .compare(.r1, .equal, name),
            .match(name: "conntrack", revision: 3, info: conntrackStateInfo), .counter, .verdict(.accept),
        ]
        let fromBridge: [Expression] = [.meta(.inputInterfaceName, into: .r1), .compare(.r1, .equal, name), .counter, .verdict(.accept)]
        return [toBridge, fromBridge].map { Rule(chain: chain(in: table), expressions: $0, comment: comment) }
    }

    /// `struct xt_conntrack_mtinfo3` for `--ctstate RELATED,ESTABLISHED,DNAT`: only
    /// `match_flags` (offset 146, `XT_CONNTRACK_STATE`) and `state_mask` (offset 150:
    /// ESTABLISHED 1<<1 | RELATED 1<<2 | DNAT 1<<7) are set, in host byte order.
    static let conntrackStateInfo: [UInt8] = {
        var info = [UInt8](repeating: 0, count: conntrackInfoSize)
        let isLittleEndian = UInt16(1).littleEndian == 1
        for (offset, value) in [(146, UInt16(1)), (150, UInt16(0x86))] {
            let (low, high) = (UInt8(value & 0xff), UInt8(value >> 8))
            info[offset] = isLittleEndian ? low : high
            info[offset + 1] = isLittleEndian ? high : low
        }
        return info
    }()
}
