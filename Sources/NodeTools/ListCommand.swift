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
        let masquerade = networks.contains { $0.configuration.ipMasq }
            ? MasqueradeFirewall(transport: try MNLNftablesTransport()) : nil
        var all: [(network: String, row: AttachmentRow)] = []
        for network in networks {
            let rows = try AttachmentInventory(network: network, links: links, masquerade: masquerade).rows()
            all += rows.map { (network.name, $0) }
        }
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
