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
        // Same as the CLI: the chains read back exactly as `nft` would write them.
        let chainText = try host.exec(["nft", "list", "chain", "inet", "nsbridge", "nsb-\(hash)-masquerade"])
        let comment = "comment \"\(hash), net: \(network)\""
        for line in ["ip daddr 224.0.0.0/4 return", "ip6 daddr ff00::/8 return", "ip daddr 10.77.0.0/24 return",
                     "ip6 daddr fd77::/64 return", "masquerade"] {
            #expect(chainText.contains("\t\t\(line) \(comment)\n"), "missing `\(line)` in\n\(chainText)")
        }
        let baseText = try host.exec(["nft", "list", "chain", "inet", "nsbridge", "nsb-\(hash)-postrouting"])
        #expect(baseText.contains("type nat hook postrouting priority srcnat; policy accept;"))
        #expect(baseText.contains("ip saddr vmap @nsb-\(hash)-src4 \(comment)"))
        #expect(baseText.contains("ip6 saddr vmap @nsb-\(hash)-src6 \(comment)"))
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

    @Test("32 concurrent ADDs, then 32 concurrent DELs of half of them, leave exactly the right elements")
    func concurrentAddsAndDeletes() throws {
        let host = try TestNamespace("conc")
        try host.enterConcurrently(32) { index in
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            try firewall.add(network: network, attachment: attachment(index), addresses: [address(index)], subnets: [subnet])
        }
        #expect(try mapElements(host, "nsb-\(hash)-src4").count == 32)
        try host.enterConcurrently(32) { index in
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            if index % 2 == 0 {
                try firewall.remove(network: network, attachment: attachment(index), addresses: [address(index)])
            } else {
                try firewall.add(network: network, attachment: attachment(index + 100), addresses: [address(index + 100)],
                                 subnets: [subnet])
            }
        }
        let remaining = try mapElements(host, "nsb-\(hash)-src4")
        let expected = (0..<32).filter { $0 % 2 == 1 }.flatMap { [address($0), address($0 + 100)] }.map(\.description)
        #expect(remaining.keys.sorted() == expected.sorted())
        let rules = objects("rule", in: try host.listTable("inet", "nsbridge"))
        #expect(rules.count == 2 + 2 + 1 + 1, "rules do not multiply with concurrent ADDs")
        // Everyone leaves at once: the network's objects go, nothing else is left behind.
        try host.enterConcurrently(32) { index in
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            try firewall.remove(network: network, attachment: attachment(index), addresses: [address(index)])
            try firewall.remove(network: network, attachment: attachment(index + 100), addresses: nil)
        }
        let after = try host.listTable("inet", "nsbridge")
        #expect(objects("chain", in: after).isEmpty && objects("map", in: after).isEmpty)
    }

    @Test("A reused address belongs to the new attachment; the old attachment's late DEL leaves it alone")
    func reusedAddress() throws {
        let host = try TestNamespace("reuse")
        try host.enter {
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            try firewall.add(network: network, attachment: attachment(1), addresses: [address(7)], subnets: [subnet])
            try firewall.add(network: network, attachment: attachment(2), addresses: [address(7)], subnets: [subnet])
            try firewall.remove(network: network, attachment: attachment(1), addresses: [address(7)])
            try firewall.remove(network: network, attachment: attachment(1), addresses: nil)
            try firewall.check(network: network, attachment: attachment(2), addresses: [address(7)])
            #expect(throws: MissingFirewallState.self) {
                try firewall.check(network: network, attachment: attachment(1), addresses: [address(7)])
            }
        }
        let elements = try mapElements(host, "nsb-\(hash)-src4")
        #expect(elements.count == 1)
        #expect(elements[address(7).description]?.hasPrefix(OwnerTag.owner(network: network, attachment: attachment(2))) == true)
    }

    @Test("After `nft flush ruleset` CHECK names what is missing and the next ADD restores everything")
    func flushRulesetThenRepair() throws {
        let host = try TestNamespace("flush")
        try host.enter {
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            try firewall.add(network: network, attachment: attachment(1), addresses: [address(1)], subnets: [subnet])
        }
        try host.exec(["nft", "flush", "ruleset"])
        try host.enter {
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            do {
                try firewall.check(network: network, attachment: attachment(1), addresses: [address(1)])
                Issue.record("CHECK passed on an empty ruleset")
            } catch let error as MissingFirewallState {
                #expect(error.missing.count == 3, "two chains and one element: \(error.missing)")
                #expect(error.missing.contains { $0.contains("10.77.0.3") })
            }
            try firewall.add(network: network, attachment: attachment(1), addresses: [address(1)], subnets: [subnet])
            try firewall.check(network: network, attachment: attachment(1), addresses: [address(1)])
        }
    }

    @Test("GC removes elements of attachments that are not valid, and the network's objects once none is left")
    func garbageCollection() throws {
        let host = try TestNamespace("gc")
        try host.enter {
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            for index in 0..<4 {
                try firewall.add(network: network, attachment: attachment(index), addresses: [address(index)], subnets: [subnet])
            }
            try firewall.garbageCollect(network: network, valid: [attachment(1), attachment(3)])
            #expect(try mapElements(host, "nsb-\(hash)-src4").keys.sorted() == [address(1), address(3)].map(\.description))
            let chains = objects("chain", in: try host.listTable("inet", "nsbridge")).compactMap { $0["name"] as? String }
            #expect(Set(chains) == ["nsb-\(hash)-postrouting", "nsb-\(hash)-masquerade"])
            try firewall.garbageCollect(network: network, valid: [])
            #expect(objects("chain", in: try host.listTable("inet", "nsbridge")).isEmpty)
        }
    }
}
