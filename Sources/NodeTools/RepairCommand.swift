import BridgePlugin
import CNIProtocol
import IPAM
import Netlink
import Nftables

/// `nsbridge repair`: ``FirewallRepair`` for each selected network, fed with one link dump,
/// one listing of nsbridge's maps, and the runtime's records of the attachments' ADDs.
struct RepairCommand {
    let options: ToolOptions
    let output: ToolOutput

    func run() throws -> Int32 {
        let dependencies = LiveDependencies()
        let networks = try NetworkSelection.networks(options)
        let links = Set(try RouteNetlink().links().map(\.name))
        let owned = try OwnedElementInventory(transport: try MNLNftablesTransport()).elements(networks: networks.map(\.name))
        var reports: [JSONValue] = []
        var text = ""
        var failed = false
        for network in networks {
            do {
                var repair = try FirewallRepair(request: network.request, dependencies: dependencies)
                repair.hostLinks = links
                let outcome = try repair.runAll(records: records(network, owned: owned[network.name] ?? []))
                reports.append(.object(["network": .string(network.name), "restored": .array(outcome.restored.map(JSONValue.string)),
                                        "notRestored": .array(outcome.notRestored.map(JSONValue.string))]))
                text += Self.describe(network.name, outcome)
            } catch {
                failed = true
                let message = PluginRunner.cniError(from: error).description
                reports.append(.object(["network": .string(network.name), "error": .string(message)]))
                text += "\(network.name): repair failed: \(message)\n"
            }
        }
        output.print(options.json ? JSONValue.array(reports).serialized() + "\n" : text)
        return failed ? ExitStatus.problems : ExitStatus.ok
    }

    /// What is known of each reserved attachment beyond the configuration: the runtime's cache
    /// record, and the container MAC a surviving spoof-check element recorded.
    private func records(_ network: SelectedNetwork, owned: [OwnedElement]) throws -> [Attachment: AttachmentRecord] {
        guard let pool = try makeAddressManager(for: network.request) as? HostLocalIPAM else { return [:] }
        let cache = RuntimeResultCache(directory: options.cacheDir)
        var records: [Attachment: AttachmentRecord] = [:]
        for attachment in try pool.attachmentsHoldingAddresses() {
            let owner = OwnerTag.owner(network: network.name, attachment: attachment)
            var record = cache.record(network: network.name, attachment: attachment) ?? AttachmentRecord(runtimeConfig: nil, containerMAC: nil)
            record.containerMAC = record.containerMAC ?? owned.first { $0.owner == owner && $0.mac != nil }?.mac
            records[attachment] = record
        }
        return records
    }

    static func describe(_ network: String, _ outcome: RepairOutcome) -> String {
        var text = outcome.restored.isEmpty ? "\(network): nothing \(outcome.notRestored.isEmpty ? "missing" : "restored")\n"
            : "\(network): restored \(outcome.restored.count) item(s):\n" + outcome.restored.map { "  \($0)\n" }.joined()
        if !outcome.notRestored.isEmpty {
            text += "\(network): cannot restore \(outcome.notRestored.count) item(s):\n" + outcome.notRestored.map { "  \($0)\n" }.joined()
        }
        return text
    }
}
