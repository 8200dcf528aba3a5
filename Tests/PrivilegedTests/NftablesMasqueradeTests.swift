import CNIProtocol
import Foundation
import Nftables
import Testing

private let network = "nsbt-net"
private let subnet = IPNetwork("10.77.0.0/24")!
private let subnet6 = IPNetwork("fd77::/64")!

private func attachment(_ index: Int) -> CNIProtocol.Attachment {
    CNIProtocol.Attachment(containerID: "container-\(index)", ifName: "eth0")
}

private func address(_ index: Int) -> IPAddress { .v4(0x0a4d_0000 + UInt32(index + 2)) }

/// The map elements of `map` as (key text, comment).
private func mapElements(_ host: TestNamespace, _ map: String) throws -> [String: String] {
    let items = try host.listTable("inet", "nsbridge")
    guard let found = objects("map", in: items).first(where: { $0["name"] as? String == map }) else { return [:] }
    var result: [String: String] = [:]
    for entry in found["elem"] as? [Any] ?? [] {
        // Each entry is [ {"elem": {"val": key, "comment": …}}, verdict ].
        guard let pair = entry as? [Any], let first = pair.first as? [String: Any] else { continue }
        let element = first["elem"] as? [String: Any] ?? [:]
        let key = "\(element["val"] ?? first)"
        result[key] = element["comment"] as? String ?? ""
    }
    return result
}

@Suite(.serialized, .enabled(if: canRunNftablesKernelTests, "needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN) for a throwaway network namespace"))
struct NftablesMasqueradeKernelTests {
    let hash = OwnerTag.networkHash(network)

    @Test("ADD builds the network chains and one element per address; DEL removes exactly its own")
    func addAndDelete() throws {
        let host = try TestNamespace("masq")
        try host.enter {
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            try firewall.add(network: network, attachment: attachment(0), addresses: [address(0), .v6(0xfd77 << 112 | 2)],
                             subnets: [subnet, subnet6], excluded: [IPNetwork("192.168.0.0/16")!])
            try firewall.add(network: network, attachment: attachment(1), addresses: [address(1)], subnets: [subnet, subnet6])
            try firewall.check(network: network, attachment: attachment(0), addresses: [address(0)])
        }
        let items = try host.listTable("inet", "nsbridge")
        let chains = Set(objects("chain", in: items).compactMap { $0["name"] as? String })
        #expect(chains == ["nsb-\(hash)-postrouting", "nsb-\(hash)-masquerade"])
        let rules = objects("rule", in: items)
        #expect(rules.count == 2 + 2 + 2 + 1, "2 dispatch, 2 multicast returns, 2 subnet returns, 1 masquerade")
        let v4 = try mapElements(host, "nsb-\(hash)-src4")
        #expect(v4.keys.sorted() == ["10.77.0.2", "10.77.0.3"])
        #expect(v4["10.77.0.2"]?.hasPrefix(OwnerTag.owner(network: network, attachment: attachment(0))) == true)

        try host.enter {
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            try firewall.remove(network: network, attachment: attachment(0), addresses: nil)
            try firewall.remove(network: network, attachment: attachment(0), addresses: nil)  // DEL twice is fine
        }
        #expect(try mapElements(host, "nsb-\(hash)-src4").keys.sorted() == ["10.77.0.3"])
        #expect(try mapElements(host, "nsb-\(hash)-src6").isEmpty)

        try host.enter {
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            try firewall.remove(network: network, attachment: attachment(1), addresses: [address(1)])
        }
        let after = try host.listTable("inet", "nsbridge")
        #expect(objects("chain", in: after).isEmpty, "last DEL removes the network's chains")
        #expect(objects("map", in: after).isEmpty)
    }
}
