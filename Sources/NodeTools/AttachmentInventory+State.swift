import BridgePlugin
import CNIProtocol
import Netlink
import Nftables

// `ls`'s checks of the state beyond links and masquerade: forwarding acceptance, isolation,
// spoof checks, port mappings and shaping, and what is left of attachments that are gone.
extension AttachmentInventory {
    /// A live attachment: the audit against what the configuration and the runtime's record
    /// ask for, and port-mapping elements of its own that point elsewhere.
    func inspectAttachmentState(_ row: inout AttachmentRow) throws {
        let attachment = Attachment(containerID: row.containerID, ifName: row.ifname)
        let owner = OwnerTag.owner(network: network.name, attachment: attachment)
        let mine = owned.filter { $0.owner == owner }
        let record = cache?.record(network: network.name, attachment: attachment)
        if let audit {
            let mac = record?.containerMAC ?? mine.lazy.compactMap(\.mac).first
            row.problems += try audit.problems(of: attachment, addresses: row.addresses, record: record, mac: mac)
                .map { "\($0); `nsbridge repair` restores what it can" }
        }
        for element in mine where element.purpose == "port mapping" {
            guard let target = element.target, !row.addresses.contains(target) else { continue }
            row.problems.append("port mapping: stale element \(element.text) in \(element.setName) sends traffic to \(target), which this attachment does not hold")
        }
    }

    /// A dead attachment (no host veth): its ifb and nftables elements are left over too.
    func inspectLeftovers(_ row: inout AttachmentRow, byName: [String: LinkInfo]) {
        let attachment = Attachment(containerID: row.containerID, ifName: row.ifname)
        let ifb = BridgeNaming.ifbName(for: attachment)
        if byName[ifb]?.kind == "ifb" {
            row.problems.append("shaping: ifb \(ifb) is left behind (its host veth is gone)")
        }
        let owner = OwnerTag.owner(network: network.name, attachment: attachment)
        row.problems += owned.filter { $0.owner == owner }.map {
            "\($0.purpose): element \($0.text) in \($0.setName) is left behind (its host veth is gone)"
        }
    }

    /// Elements of this network whose owner holds no reservation, one row per owner.
    func orphanedElements(holders: [AttachmentRow]) -> [AttachmentRow] {
        let owners = Set(holders.filter { !$0.ifname.isEmpty }.map {
            OwnerTag.owner(network: network.name, attachment: Attachment(containerID: $0.containerID, ifName: $0.ifname))
        })
        var rows: [AttachmentRow] = []
        var indexOf: [String: Int] = [:]
        for element in owned where !owners.contains(element.owner ?? "") {
            let key = element.owner ?? ""
            if indexOf[key] == nil {
                indexOf[key] = rows.count
                rows.append(AttachmentRow(containerID: Self.field("id", in: element.comment), ifname: Self.field("if", in: element.comment)))
            }
            let index = indexOf[key]!
            if let target = element.target ?? IPAddress(element.text), !rows[index].addresses.contains(target) {
                rows[index].addresses.append(target)
            }
            rows[index].problems.append("\(element.purpose): element \(element.text) in \(element.setName) is orphaned (no reservation); a CNI GC of the network removes it")
        }
        return rows
    }
}

extension ListCommand {
    /// ifbs named as nsbridge names them whose host veth is gone and that no reservation of the
    /// listed networks explains (those are reported on the reservation's row).
    static func orphanedIfbs(_ links: [LinkInfo], explained: Set<String>) -> [AttachmentRow] {
        let names = Set(links.map(\.name))
        return links.filter { $0.kind == "ifb" && !explained.contains($0.name) }.compactMap { link in
            guard let veth = BridgeNaming.hostVethName(forIfb: link.name), !names.contains(veth) else { return nil }
            return AttachmentRow(containerID: "", ifname: "", problems: [
                "shaping: ifb \(link.name) is orphaned (host veth \(veth) is gone); `ip link del \(link.name)` removes it",
            ])
        }
    }
}
