import BridgePlugin
import CNIProtocol
import Testing

@Suite("ipspoofchk, isolate and announcements against fakes")
struct TenancyPluginTests {
    private let attachment = Attachment(containerID: "c1", ifName: "eth0")
    private let guarded: [String: JSONValue] = ["ipam": ipamConfig, "ipspoofchk": true, "isolate": true, "bridge": "br7"]

    @Test("ipspoofchk and isolate without ipam, and ipspoofchk with vlanTrunk, are code 7 naming the key")
    func invalidCombinations() throws {
        for (members, key) in [(["ipspoofchk": true] as [String: JSONValue], "ipspoofchk"), (["isolate": true], "isolate"),
                               (["ipspoofchk": true, "ipam": ipamConfig, "vlanTrunk": [["id": 5]]], "vlanTrunk")] {
            #expect {
                try BridgeConfiguration(makeRequest(.add, members))
            } throws: { error in
                guard let error = error as? CNIError else { return false }
                return error.code == .invalidNetworkConfig && error.message.contains("\"\(key)\"")
            }
        }
        #expect(throws: CNIError.self) { try BridgeConfiguration(makeRequest(.add, ["ipam": ipamConfig, "isolate": "maybe"])) }
    }

    @Test("ADD programs both guards with the bridge, host veth, MAC and addresses; CHECK sees them; DEL removes them")
    func lifecycle() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let result = try plugin.add(makeRequest(.add, guarded))
        let held = try #require(fakes.firewallFake.guards["net1"]?[attachment])
        #expect(held.guards == TenancyGuards(network: "net1", bridge: "br7", hostInterface: BridgeNaming.hostVethName(for: attachment),
                                             ipSpoofCheck: true, isolate: true))
        #expect(held.mac == result.interfaces[2].mac)
        #expect(held.addresses == [IPAddress("10.1.0.2")!])

        var check = guarded
        check["prevResult"] = try result.json(for: .v1_1_0, versionText: "1.1.0")
        try plugin.check(makeRequest(.check, check))

        try plugin.delete(makeRequest(.delete, guarded, netns: ""))
        #expect(fakes.firewallFake.guards["net1"]?[attachment] == nil)
    }

    @Test("A failed ADD removes the guards it added")
    func rollback() throws {
        let fakes = FakeDependencies()
        fakes.datapath.failAt = "waitUntilUp"
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        #expect(throws: (any Error).self) { try plugin.add(makeRequest(.add, guarded)) }
        #expect(fakes.firewallFake.guards["net1"]?.isEmpty ?? true)
    }

    @Test("Addresses are announced with the container MAC after the carrier wait; an L2-only attachment announces nothing")
    func announcement() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let result = try plugin.add(makeRequest(.add, ["ipam": ipamConfig]))
        let journal = fakes.datapath.journal
        let announced = try #require(journal.firstIndex { $0.hasPrefix("announce ") })
        #expect(journal[announced] == "announce eth0 \(result.interfaces[2].mac ?? "") 10.1.0.2")
        #expect(journal.firstIndex(of: "waitUntilUp").map { $0 < announced } == true)

        let layer2 = FakeDependencies(allocator: nil)
        _ = try BridgePlugin(dependencies: layer2, log: { _ in }).add(makeRequest(.add, [:]))
        #expect(!layer2.datapath.journal.contains { $0.hasPrefix("announce ") }, "no addresses, nothing to announce")
    }

    @Test("GC keeps the guards of valid attachments and drops the rest")
    func garbageCollection() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        _ = try plugin.add(makeRequest(.add, guarded, containerID: "keep", netns: "/run/netns/keep"))
        _ = try plugin.add(makeRequest(.add, guarded, containerID: "gone", netns: "/run/netns/gone"))
        fakes.datapath.hostLinks[BridgeNaming.hostVethName(for: Attachment(containerID: "gone", ifName: "eth0"))] = nil
        var gc = guarded
        gc["cni.dev/valid-attachments"] = [["containerID": "keep", "ifname": "eth0"]]
        try plugin.garbageCollect(makeRequest(.garbageCollect, gc))
        #expect(Set(fakes.firewallFake.guards["net1"]?.keys.map(\.containerID) ?? []) == ["keep"])
    }
}

@Suite("macspoofchk beside ipspoofchk")
struct MACCheckBesideAddressCheckTests {
    @Test("With ipspoofchk the MAC is tested by its chain, so macspoofchk programs nothing of its own; alone it does")
    func oneMACTest() throws {
        let both = FakeDependencies()
        _ = try BridgePlugin(dependencies: both, log: { _ in })
            .add(makeRequest(.add, ["ipam": ipamConfig, "ipspoofchk": true, "macspoofchk": true]))
        #expect(both.firewallFake.spoofChecks["net1"]?.isEmpty ?? true)
        #expect(both.firewallFake.guards["net1"]?.count == 1)

        let alone = FakeDependencies()
        _ = try BridgePlugin(dependencies: alone, log: { _ in }).add(makeRequest(.add, ["ipam": ipamConfig, "macspoofchk": true]))
        #expect(alone.firewallFake.spoofChecks["net1"]?.count == 1)
    }
}
