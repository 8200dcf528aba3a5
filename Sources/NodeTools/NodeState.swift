import CNIProtocol
import LinuxSupport
import Netlink
import Nftables

#if canImport(Glibc)
import Glibc
#endif

/// What doctor reads from the network namespace it runs in, once: sysctls, links and their
/// addresses, the IPv4 default route, and every nftables chain.
struct NodeState {
    var sysctls: [String: String] = [:]
    var links: [LinkInfo] = []
    var addresses: [Int32: [IPNetwork]] = [:]
    var uplink: LinkInfo?
    var chains: [ChainSummary]?
    /// nsbridge's forwarding acceptance in iptables-nft's `FORWARD` chains.
    var acceptance: [ForwardingAcceptanceState] = []
    /// The policy of legacy iptables' (x_tables, not nftables) IPv4 `filter FORWARD`, when that
    /// table is loaded; the error text when it could not be read.
    var legacyForwardPolicy: LegacyIptables.Policy?
    var legacyError: String?
    var nftablesError: String?
    var netlinkError: String?

    static let sysctlKeys = [
        "net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding", "net/bridge/bridge-nf-call-iptables",
        "net/bridge/bridge-nf-call-ip6tables",
    ]

    static func read() -> NodeState {
        var state = NodeState()
        let sysctl = Sysctl()
        for key in sysctlKeys { state.sysctls[key] = try? sysctl.get(key) }
        do {
            let netlink = try RouteNetlink()
            state.links = try netlink.links()
            for link in state.links { state.addresses[link.index] = try netlink.addresses(of: link.index) }
            let defaultRoute = try netlink.routes(family: .v4).first { $0.destination.prefixLength == 0 }
            state.uplink = state.links.first { $0.index == defaultRoute?.outputInterface }
            if let uplink = state.uplink { state.sysctls["uplink/accept_ra"] = try? sysctl.get("net/ipv6/conf/\(uplink.name)/accept_ra") }
        } catch {
            state.netlinkError = "\(error)"
        }
        do {
            let transport = try MNLNftablesTransport()
            state.chains = try transport.allChains()
            state.acceptance = try ForwardingAcceptance(transport: transport).states()
        } catch {
            state.nftablesError = "\(error)"
        }
        state.readLegacyForwardPolicy()
        return state
    }

    func link(named name: String) -> LinkInfo? { links.first { $0.name == name } }

    /// Only a table the kernel lists is asked about: asking for another would create it.
    private mutating func readLegacyForwardPolicy() {
        let names = ((try? NetworkSelection.readFile("/proc/net/ip_tables_names")) ?? []).split(separator: UInt8(ascii: "\n"))
        guard names.contains(where: { $0.elementsEqual("filter".utf8) }) else { return }
        do { legacyForwardPolicy = try LegacyIptables.policy(table: "filter", hook: 2) } catch { legacyError = "\(error)" }
    }
}
