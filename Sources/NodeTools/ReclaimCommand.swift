import BridgePlugin
import CNIProtocol
import LinuxSupport
import Netlink
import Nftables

/// `nsbridge reclaim`: frees what provably dead attachments hold, through the plugin's DEL.
struct ReclaimCommand {
    let options: ToolOptions
    let output: ToolOutput

    struct Decision {
        var network: String
        var row: AttachmentRow
        var reclaim: Bool
        var reason: String
        var error: String?

        var json: JSONValue {
            .object([
                "network": .string(network), "containerID": .string(row.containerID), "ifname": .string(row.ifname),
                "addresses": .array(row.addresses.map { .string($0.description) }),
                "action": .string(reclaim ? "free" : "keep"), "reason": .string(reason),
                "error": error.map(JSONValue.string) ?? .null,
            ])
        }
    }

    func run() throws -> Int32 {
        let networks = try NetworkSelection.networks(options)
        let links = try RouteNetlink().links()
        var decisions: [Decision] = []
        for network in networks {
            let rows = try AttachmentInventory(network: network, links: links, masquerade: nil).rows()
            decisions += judge(rows.filter { !$0.ifname.isEmpty && $0.hostVeth == nil }, network: network.name)
        }
        if options.apply { free(&decisions, networks: networks) }
        output.print(options.json ? JSONValue.array(decisions.map(\.json)).serialized() + "\n" : text(decisions))
        return decisions.contains { $0.error != nil } ? ExitStatus.problems : ExitStatus.ok
    }

    /// Which vethless attachments are provably dead, judged by the clock and the node's
    /// namespaces; the namespace scan runs only when the clock cannot decide.
    func judge(_ rows: [AttachmentRow], network: String) -> [Decision] {
        var scan: Set<IPAddress>?
        return Self.judge(rows, network: network, graceSeconds: options.graceSeconds, now: SystemClock.now(),
                          boot: SystemClock.bootTime()) {
            if scan == nil { scan = NamespaceAddressScan.addressesInUse() }
            return scan!
        }
    }

    static func judge(_ rows: [AttachmentRow], network: String, graceSeconds: Int64, now: Int64, boot: Int64?,
                      addressesInUse: () -> Set<IPAddress>) -> [Decision] {
        rows.map { row in
            func decide(_ reclaim: Bool, _ reason: String) -> Decision {
                Decision(network: network, row: row, reclaim: reclaim, reason: reason)
            }
            guard let reservedAt = row.reservedAt else { return decide(false, "reservation time unknown") }
            if now - reservedAt < graceSeconds {
                return decide(false, "reserved \(now - reservedAt) s ago, within the \(graceSeconds) s grace period")
            }
            if let boot, reservedAt < boot { return decide(true, "no host veth, and reserved before the current boot") }
            if let held = row.addresses.first(where: addressesInUse().contains) {
                return decide(false, "\(held) is still configured in a network namespace")
            }
            return decide(true, "no host veth, and no network namespace holds its addresses")
        }
    }

    /// DEL with an empty `CNI_NETNS` for each dead attachment: the same teardown a runtime's
    /// late DEL would do (firewall state first, the reservation last).
    func free(_ decisions: inout [Decision], networks: [SelectedNetwork]) {
        let plugin = BridgePlugin(dependencies: LiveDependencies(), log: { _ in })
        for index in decisions.indices where decisions[index].reclaim {
            guard let network = networks.first(where: { $0.name == decisions[index].network }) else { continue }
            var request = network.request
            request.command = .delete
            request.containerID = decisions[index].row.containerID
            request.ifName = decisions[index].row.ifname
            do { try plugin.delete(request) } catch {
                decisions[index].error = PluginRunner.cniError(from: error).description
            }
        }
    }

    func text(_ decisions: [Decision]) -> String {
        if decisions.isEmpty { return "nothing to reclaim\n" }
        let verb = options.apply ? "freed" : "would free"
        var text = decisions.map { decision in
            let who = "\(decision.network) \(decision.row.containerID)/\(decision.row.ifname) [\(decision.row.addresses.map(\.description).joined(separator: ","))]"
            if let error = decision.error { return "FAILED \(who): \(error)\n" }
            return "\(decision.reclaim ? verb : "keep") \(who): \(decision.reason)\n"
        }.joined()
        if !options.apply && decisions.contains(where: \.reclaim) { text += "dry run: run again with --apply to free them\n" }
        return text
    }
}
