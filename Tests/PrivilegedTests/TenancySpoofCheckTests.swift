import BridgePlugin
import CNIProtocol
import CNITestSupport
import Foundation
import Nftables
import Testing

/// `ipspoofchk` through the real binary: frames crafted inside a container, observed in another.
@Suite(
    "ipspoofchk on the data plane (throwaway namespaces)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct TenancySpoofCheckTests {
    private func dualStack(_ bed: BridgeTestbed, v4: String, v6: String) -> JSONValue {
        ["type": "host-local", "dataDir": .string(bed.dataDirectory.path),
         "ranges": [[["subnet": .string(v4)]], [["subnet": .string(v6)]]]]
    }

    /// ADDs sender and observer on one network and describes both ports.
    private func pair(_ bed: BridgeTestbed, _ config: JSONValue, prefix: String) throws -> (sender: TenancyFrames.Port, observer: TenancyFrames.Port) {
        var ports: [TenancyFrames.Port] = []
        for label in ["\(prefix)s", "\(prefix)o"] {
            let result = try bed.add(config, containerID: label)
            let ips = result["ips"]?.arrayValue?.compactMap { $0["address"]?.stringValue?.split(separator: "/").first.map(String.init) } ?? []
            let mac = try #require(result["interfaces"]?.arrayValue?[2]["mac"]?.stringValue)
            let linkLocal = try self.linkLocal(bed, label)
            ports.append(TenancyFrames.Port(namespace: try bed.container(label).path, mac: mac,
                                            ipv4: ips.first { $0.contains(".") } ?? "", ipv6: ips.first { $0.contains(":") } ?? "",
                                            linkLocal: linkLocal))
        }
        return (ports[0], ports[1])
    }

    @Test("Spoofed IPv4 source, ARP sender, IPv6 source, ND options, RAs and tagged frames are dropped; the container's own frames pass; without ipspoofchk all pass")
    func craftedFrames() throws {
        try withTestbed { bed in
            let guarded = bed.config(ipam: dualStack(bed, v4: "10.66.0.0/24", v6: "fd66::/64"), ["ipspoofchk": true, "isGateway": true])
            let open = bed.config(name: "ktc", ipam: dualStack(bed, v4: "10.67.0.0/24", v6: "fd67::/64"), ["bridge": "nsbkt1"])
            let (sender, observer) = try pair(bed, guarded, prefix: "g")
            let mac = try #require(MACAddress(sender.mac)?.bytes)
            #expect(sender.linkLocal == AddressSpoofCheck.linkLocal(mac: mac).description, "EUI-64 link-local, as the set allows")

            let seen = try TenancyFrames.send(from: sender, observer: observer.namespace, other: observer)
            for name in TenancyFrames.own { #expect(seen[name] == true, "own frame \(name) must pass") }
            for name in TenancyFrames.spoofed { #expect(seen[name] == false, "spoofed frame \(name) must be dropped") }
            #expect(try bed.ping(from: "gs", to: observer.ipv4), "real IPv4 traffic with ARP passes")
            #expect(try bed.ping(from: "gs", to: observer.ipv6), "real IPv6 traffic with ND passes")

            let (openSender, openObserver) = try pair(bed, open, prefix: "c")
            let control = try TenancyFrames.send(from: openSender, observer: openObserver.namespace, other: openObserver)
            for name in TenancyFrames.own + TenancyFrames.spoofed { #expect(control[name] == true, "without ipspoofchk \(name) arrives") }

            try deleteAll(bed, [(guarded, "gs"), (guarded, "go"), (open, "cs"), (open, "co")])
            #expect(bed.reservations(network: "kt").isEmpty && bed.reservations(network: "ktc").isEmpty)
            #expect(try bed.hostLinkNames().filter { $0.hasPrefix("veth") }.isEmpty)
            #expect(try bed.shell(bed.host, ["nft", "list", "table", "bridge", "nsbridge"]).contains("chain") == false,
                    "the last DEL removes the network's chains")
        }
    }

    @Test("DEL without a namespace removes the port's elements; CHECK names a missing one; ADD on a network in place adds only elements")
    func lifecycle() throws {
        try withTestbed { bed in
            let config = bed.config(ipam: dualStack(bed, v4: "10.66.0.0/24", v6: "fd66::/64"), ["ipspoofchk": true, "macspoofchk": true])
            _ = try bed.add(config, containerID: "a")
            let rules = try ruleCount(bed)
            let second = try bed.add(config, containerID: "b")
            #expect(try ruleCount(bed) == rules, "no rule per container")
            let check = BridgeTestbed.with(prevResult: second, config)
            #expect(try bed.invoke("CHECK", check, containerID: "b", netns: bed.container("b").path).status == 0)

            let element = try elements(bed, set: "ip4").first { $0.contains("10.66.0.3") }
            let deleteOne = "delete element bridge nsbridge \(try setName(bed, "ip4")) { \(try #require(element)) }"
            try bed.shell(bed.host, ["nft", deleteOne])
            let failed = try bed.invoke("CHECK", check, containerID: "b", netns: bed.container("b").path)
            #expect(failed.status != 0 && failed.stdoutText.contains("10.66.0.3"), "\(failed)")

            #expect(try bed.invoke("DEL", config, containerID: "a", netns: "").status == 0)
            #expect(try elements(bed, set: "ip6").allSatisfy { !$0.contains("fd66::2") })
            #expect(try elements(bed, set: "ipports").count == 1)
            try deleteAll(bed, [(config, "b")])
            #expect(bed.reservations().isEmpty)
            #expect(try bed.hostLinkNames().filter { $0.hasPrefix("veth") }.isEmpty)
            #expect(try bed.shell(bed.host, ["nft", "list", "table", "bridge", "nsbridge"]).contains("chain") == false)
        }
    }

    /// The container's link-local address, which the kernel adds once the link has carrier.
    private func linkLocal(_ bed: BridgeTestbed, _ label: String) throws -> String {
        for _ in 0..<50 {
            let address = try bed.ipJSON(in: bed.container(label), ["ip", "-j", "-6", "addr", "show", "dev", "eth0", "scope", "link"])
                .first?["addr_info"]?.arrayValue?.compactMap({ $0["local"]?.stringValue }).first
            if let address { return address }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestbedFailure("no link-local address on eth0 in \(label)")
    }

    private func deleteAll(_ bed: BridgeTestbed, _ attachments: [(JSONValue, String)]) throws {
        for (config, id) in attachments {
            let outcome = try bed.invoke("DEL", config, containerID: id, netns: bed.container(id).path)
            #expect(outcome.status == 0, "\(outcome)")
        }
    }

    private func ruleCount(_ bed: BridgeTestbed) throws -> Int {
        try bed.shell(bed.host, ["nft", "-a", "list", "table", "bridge", "nsbridge"]).components(separatedBy: "# handle").count
    }

    private func setName(_ bed: BridgeTestbed, _ suffix: String) throws -> String {
        let text = try bed.shell(bed.host, ["nft", "list", "table", "bridge", "nsbridge"])
        let names = text.split(separator: "\n").compactMap { line -> String? in
            let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
            return words.count >= 2 && (words[0] == "set" || words[0] == "map") ? String(words[1]) : nil
        }
        return try #require(names.first { $0.hasSuffix("-\(suffix)") }, "no set *-\(suffix) in \(text)")
    }

    /// The elements of the network's set `suffix`, one `"port" . value` text each.
    private func elements(_ bed: BridgeTestbed, set suffix: String) throws -> [String] {
        let name = try setName(bed, suffix)
        let text = try bed.shell(bed.host, ["nft", "-j", "list", "table", "bridge", "nsbridge"])
        let json = try JSONValue(parsing: text)
        let set = json["nftables"]?.arrayValue?.compactMap { $0["set"] ?? $0["map"] }.first { $0["name"]?.stringValue == name }
        return (set?["elem"]?.arrayValue ?? []).map { element in
            let value = element["elem"]?["val"] ?? element
            if let parts = value["concat"]?.arrayValue {
                return parts.enumerated().map { index, part in
                    let text = part.stringValue ?? part.serialized()
                    return index == 0 ? "\"\(text)\"" : text
                }.joined(separator: " . ")
            }
            return value.serialized()
        }
    }
}
