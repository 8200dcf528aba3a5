import BridgePlugin
import CNIProtocol
import Netlink
import Nftables

/// `nsbridge ls`.
struct ListCommand {
    let options: ToolOptions
    let output: ToolOutput

    func run() throws -> Int32 {
        let networks = try NetworkSelection.networks(options)
        let links = try RouteNetlink().links()
        let transport = try MNLNftablesTransport()
        let masquerade = MasqueradeFirewall(transport: transport)
        let owned = try OwnedElementInventory(transport: transport).elements(networks: networks.map(\.name))
        let dependencies = LiveDependencies()
        var all: [(network: String, row: AttachmentRow)] = []
        var explainedIfbs = Set<String>()
        for network in networks {
            var inventory = AttachmentInventory(network: network, links: links, masquerade: masquerade)
            inventory.owned = owned[network.name] ?? []
            inventory.audit = try AttachmentAudit(request: network.request, dependencies: dependencies)
            inventory.cache = RuntimeResultCache(directory: options.cacheDir)
            let rows = try inventory.rows()
            all += rows.map { (network.name, $0) }
            explainedIfbs.formUnion(rows.filter { !$0.ifname.isEmpty }.map {
                BridgeNaming.ifbName(for: Attachment(containerID: $0.containerID, ifName: $0.ifname))
            })
        }
        all += Self.orphanedIfbs(links, explained: explainedIfbs).map { ("-", $0) }
        output.print(options.json ? Self.json(all) : Self.table(all))
        return all.contains { !$0.row.problems.isEmpty } ? ExitStatus.problems : ExitStatus.ok
    }

    static func json(_ rows: [(network: String, row: AttachmentRow)]) -> String {
        JSONValue.array(rows.map { network, row in
            guard case .object(var members) = row.json else { return row.json }
            members["network"] = .string(network)
            return .object(members)
        }).serialized() + "\n"
    }

    static func table(_ rows: [(network: String, row: AttachmentRow)]) -> String {
        var lines = [["NETWORK", "CONTAINER", "IFNAME", "ADDRESSES", "HOST VETH", "PROBLEMS"]]
        for (network, row) in rows {
            let id = row.containerID.isEmpty ? "-" : String(row.containerID.prefix(12))
            lines.append([network, id, row.ifname.isEmpty ? "-" : row.ifname,
                          row.addresses.isEmpty ? "-" : row.addresses.map(\.description).joined(separator: ","),
                          row.hostVeth ?? "-", row.problems.isEmpty ? "ok" : "\(row.problems.count)"])
        }
        var text = TextTable.render(lines)
        for (network, row) in rows where !row.problems.isEmpty {
            let who = row.containerID.isEmpty ? (row.hostVeth ?? "?") : "\(row.containerID.prefix(12))/\(row.ifname)"
            text += row.problems.map { "\(network) \(who): \($0)\n" }.joined()
        }
        return text
    }
}

/// Left-aligned columns separated by two spaces.
enum TextTable {
    static func render(_ lines: [[String]]) -> String {
        let widths = (0..<(lines.first?.count ?? 0)).map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { cells in
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }
}
