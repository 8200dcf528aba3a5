import BridgePlugin
import CNIProtocol
import IPAM
import Netlink
import Nftables

/// One row of `nsbridge ls`: an attachment as the IPAM records, the links and the firewall
/// describe it, and what is wrong with it.
struct AttachmentRow {
    var containerID: String
    var ifname: String
    var addresses: [IPAddress] = []
    var hostVeth: String?
    var reservedAt: Int64?
    var problems: [String] = []

    var json: JSONValue {
        .object([
            "containerID": .string(containerID), "ifname": .string(ifname),
            "addresses": .array(addresses.map { .string($0.description) }),
            "hostVeth": hostVeth.map(JSONValue.string) ?? .null,
            "reservedAt": reservedAt.map { .integer($0) } ?? .null,
            "problems": .array(problems.map(JSONValue.string)),
        ])
    }
}

/// Builds the rows of one network from the IPAM records, the host's links and nftables.
struct AttachmentInventory {
    let network: SelectedNetwork
    let links: [LinkInfo]
    let masquerade: MasqueradeFirewall?
    /// The network's per-attachment nftables elements (``OwnedElementInventory``).
    var owned: [OwnedElement] = []
    var audit: AttachmentAudit?
    var cache: RuntimeResultCache?

    /// Reservations first (one row per attachment), then host veths on the bridge and
    /// masquerade elements that nothing reserved.
    func rows() throws -> [AttachmentRow] {
        guard let pool = try makeAddressManager(for: network.request) as? HostLocalIPAM else { return [] }
        var rows = Self.group(try pool.reservations())
        let byName = Dictionary(links.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let bridge = byName[network.configuration.bridgeName]
        for index in rows.indices where !rows[index].ifname.isEmpty {
            inspectLinks(&rows[index], byName: byName, bridge: bridge)
            if rows[index].hostVeth != nil {
                try inspectMasquerade(&rows[index])
                try inspectAttachmentState(&rows[index])
            } else {
                inspectLeftovers(&rows[index], byName: byName)
            }
        }
        rows += unreservedPorts(of: bridge, expected: Set(rows.compactMap(\.hostVeth)))
        rows += orphanedElements(holders: rows)
        return rows
    }

    /// One row per attachment, addresses in order; legacy and unreadable records get rows of
    /// their own.
    static func group(_ reservations: [Reservation]) -> [AttachmentRow] {
        var rows: [AttachmentRow] = []
        var indexOf: [String: Int] = [:]
        for reservation in reservations {
            let (id, ifname, problem): (String, String, String?) = switch reservation.owner {
            case .attachment(let attachment): (attachment.containerID, attachment.ifName, nil)
            case .containerOnly(let id): (id, "", "reservation names no interface (written by an old host-local)")
            case .unknown: ("", "", "reservation file is empty or unreadable")
            }
            let key = "\(id)\u{0}\(ifname)\u{0}\(problem == nil ? "" : reservation.address.description)"
            if let index = indexOf[key] {
                rows[index].addresses.append(reservation.address)
                rows[index].reservedAt = min(rows[index].reservedAt ?? .max, reservation.reservedAt ?? .max)
                continue
            }
            indexOf[key] = rows.count
            rows.append(AttachmentRow(containerID: id, ifname: ifname, addresses: [reservation.address],
                                      reservedAt: reservation.reservedAt, problems: problem.map { [$0] } ?? []))
        }
        return rows
    }

    private func inspectLinks(_ row: inout AttachmentRow, byName: [String: LinkInfo], bridge: LinkInfo?) {
        let name = BridgeNaming.hostVethName(for: Attachment(containerID: row.containerID, ifName: row.ifname))
        guard let link = byName[name] else {
            row.problems.append("reservation with no host veth (\(name)): the container is gone without a DEL; `nsbridge reclaim` frees it")
            return
        }
        row.hostVeth = name
        if bridge == nil || link.masterIndex != bridge?.index {
            row.problems.append("host veth \(name) is not a port of bridge \(network.configuration.bridgeName)")
        }
    }

    private func inspectMasquerade(_ row: inout AttachmentRow) throws {
        guard let masquerade, network.configuration.ipMasq else { return }
        let attachment = Attachment(containerID: row.containerID, ifName: row.ifname)
        do {
            try masquerade.check(network: network.name, attachment: attachment, addresses: row.addresses)
        } catch let missing as MissingFirewallState {
            row.problems += missing.missing.map { "firewall: missing \($0); `nsbridge repair` restores it" }
        }
    }

    private func unreservedPorts(of bridge: LinkInfo?, expected: Set<String>) -> [AttachmentRow] {
        guard let bridge else { return [] }
        return links.filter { $0.masterIndex == bridge.index && $0.kind == "veth" && !expected.contains($0.name) }.map {
            AttachmentRow(containerID: "", ifname: "", hostVeth: $0.name, problems: [
                "host veth \($0.name) on bridge \(bridge.name) has no reservation in network \(network.name)",
            ])
        }
    }

    /// `id` or `if` from an element comment's readable tail (`…, if: eth0, id: abc`).
    static func field(_ name: String, in comment: String?) -> String {
        let parts = comment?.split(separator: ",").map { $0.drop { $0 == " " } } ?? []
        let prefix = "\(name): "
        return parts.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } ?? ""
    }
}
