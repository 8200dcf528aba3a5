import BridgePlugin
import CNIProtocol
import IPAM
import Nftables

/// Forward-hook DROP policies, judged against nsbridge's forwarding acceptance.
///
/// nftables runs every base chain on the forward hook and a drop in any of them is final, so
/// an accept in nsbridge's own table cannot help. nsbridge therefore accepts its bridges'
/// traffic *inside* iptables-nft's `ip filter FORWARD` / `ip6 filter FORWARD` (a jump to
/// `NSBRIDGE-FORWARD` at the head), on every ADD. So:
/// - a DROP policy there is fine when the jump and the network's rules are in place (ok), or
///   when the network has no live attachment yet (info: its next ADD adds them);
/// - it breaks traffic when a network has live attachments and its acceptance is missing
///   (flushed, or the table was created after the last ADD): error, `nsbridge repair` fixes it;
/// - a DROP policy in any other table (firewalld, a hand-written nft ruleset) is out of our
///   reach: error;
/// - legacy iptables (x_tables) is invisible to nftables and nsbridge writes nothing there: its
///   IPv4 `filter FORWARD` policy is read with getsockopt, and DROP is an error (nsbridge cannot
///   tell whether rules of the operator's accept the bridge there; the hint says how).
extension NodeChecks {
    func forwardPolicies() -> [Finding] {
        let dropping = (node.chains ?? []).filter { $0.dropsForwardedByDefault && $0.table != "nsbridge" }
        let findings = dropping.flatMap { chain in
            acceptanceState(of: chain).map { policyFindings(chain, $0) } ?? [foreignPolicy(chain)]
        }
        return findings + legacyPolicy()
    }

    /// Legacy iptables runs beside nftables, and nsbridge writes nothing there.
    private func legacyPolicy() -> [Finding] {
        if let error = node.legacyError {
            return [Finding(check: "forward-policy", severity: .warning,
                            message: "legacy iptables (x_tables) has a filter table, and its FORWARD policy cannot be read: \(error)",
                            hint: "iptables-legacy -S FORWARD shows it")]
        }
        guard node.legacyForwardPolicy == .drop else { return [] }
        return [Finding(check: "forward-policy", severity: needsForwarding ? .error : .warning,
                        message: "legacy iptables (x_tables, not nftables) chain filter FORWARD drops forwarded packets by default (-P FORWARD DROP, e.g. Docker with iptables-legacy): nsbridge accepts its bridges only in iptables-nft's chains, so container traffic leaving the bridge is dropped unless rules of your own accept it there",
                        hint: "run the host's firewall on iptables-nft (update-alternatives --set iptables /usr/sbin/iptables-nft) so nsbridge can accept its bridges, or iptables-legacy -I FORWARD -i BRIDGE -j ACCEPT and iptables-legacy -I FORWARD -o BRIDGE -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")]
    }

    /// The drop chains that nothing of nsbridge's lets the networks through (for br_netfilter).
    func unacceptedDropChains() -> [String] {
        (node.chains ?? []).filter { chain in
            guard chain.dropsForwardedByDefault && chain.table != "nsbridge" else { return false }
            guard let state = acceptanceState(of: chain) else { return true }
            return networks.contains { !state.accepts(network: $0.name, bridge: $0.configuration.bridgeName) }
        }.map(\.description) + (node.legacyForwardPolicy == .drop ? ["legacy filter FORWARD"] : [])
    }

    /// nsbridge's acceptance in `chain`, if it is iptables-nft's `FORWARD` chain.
    private func acceptanceState(of chain: ChainSummary) -> ForwardingAcceptanceState? {
        guard chain.name == "FORWARD", chain.table == "filter" else { return nil }
        return node.acceptance.first { $0.table.family.rawValue == chain.family && $0.table.name == "filter" }
    }

    private func policyFindings(_ chain: ChainSummary, _ state: ForwardingAcceptanceState) -> [Finding] {
        guard !networks.isEmpty else {
            return [Finding(check: "forward-policy", severity: .warning,
                            message: "chain \(chain.description) drops forwarded packets by default; no nsbridge network is selected, so whether nsbridge's acceptance covers it cannot be judged",
                            hint: "give --conf FILE or --conf-dir DIR")]
        }
        return networks.map { network in
            let bridge = network.configuration.bridgeName
            if state.accepts(network: network.name, bridge: bridge) {
                return Finding(check: "forward-policy", severity: .ok,
                               message: "chain \(chain.description) drops forwarded packets by default; nsbridge's jump to NSBRIDGE-FORWARD accepts network \(network.name) (bridge \(bridge))")
            }
            let live = liveAttachments(of: network)
            guard live > 0, needsForwarding else {
                return Finding(check: "forward-policy", severity: .info,
                               message: "chain \(chain.description) drops forwarded packets by default; network \(network.name) has no live attachment, and its next ADD inserts nsbridge's acceptance for bridge \(bridge)")
            }
            return Finding(check: "forward-policy", severity: .error,
                           message: "chain \(chain.description) drops forwarded packets by default (Docker sets -P FORWARD DROP) and nsbridge's acceptance of bridge \(bridge) is missing (\(state.hasJump ? "no rules for the bridge in NSBRIDGE-FORWARD" : "no jump to NSBRIDGE-FORWARD")): traffic of the \(live) live attachment(s) of \(network.name) leaving the bridge is dropped",
                           hint: "nsbridge repair --conf \(network.file) puts it back (it was flushed, or the chain was created after the last ADD)")
        }
    }

    private func foreignPolicy(_ chain: ChainSummary) -> Finding {
        Finding(check: "forward-policy", severity: needsForwarding ? .error : .warning,
                message: "chain \(chain.description) drops forwarded packets by default (firewalld or a hand-written nftables ruleset): nsbridge accepts its bridges only in iptables-nft's FORWARD chains, and an accept elsewhere cannot override this drop, so container traffic leaving the bridge is dropped",
                hint: "accept the bridge's traffic in that chain (iif BRIDGE accept; oif BRIDGE ct state established,related accept), or put the bridge in firewalld's trusted zone")
    }

    /// Attachments of `network` holding addresses whose host veth exists.
    private func liveAttachments(of network: SelectedNetwork) -> Int {
        guard let pool = (try? makeAddressManager(for: network.request)) as? HostLocalIPAM,
              let holders = try? pool.attachmentsHoldingAddresses() else { return 0 }
        let names = Set(node.links.map(\.name))
        return holders.filter { names.contains(BridgeNaming.hostVethName(for: $0)) }.count
    }
}
