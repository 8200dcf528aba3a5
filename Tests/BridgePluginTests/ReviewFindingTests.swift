import BridgePlugin
import CNIProtocol
import Testing

/// Issue 14's findings in the plugin's logic, each pinned by a test that failed before its fix.
@Suite("Review findings: bridge plugin logic")
struct BridgeReviewFindingTests {
    @Test("An ADD whose result has no form in its version is refused before any kernel work", arguments: ["0.1.0", "0.2.0"])
    func unexpressibleResultTouchesNothing(version: String) throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let error = try #require(throws: CNIError.self) {
            try plugin.add(makeRequest(.add, ["cniVersion": .string(version), "bridge": "b"]))
        }
        #expect(error.code == .incompatibleCNIVersion)
        #expect(fakes.datapath.journal.isEmpty)
        #expect(fakes.datapath.hostLinks.isEmpty)
    }

    @Test("A 0.2.0 ADD with IPAM still succeeds")
    func legacyWithAddressesSucceeds() throws {
        let plugin = BridgePlugin(dependencies: FakeDependencies(), log: { _ in })
        let result = try plugin.add(makeRequest(.add, ["cniVersion": "0.2.0", "ipam": ipamConfig]))
        #expect(result.ips.count == 1)
    }

    @Test("GC keeps every attachment when the kernel cannot say whether its veth exists")
    func garbageCollectKeepsOnDoubt() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        for id in ["a", "b"] {
            _ = try plugin.add(makeRequest(.add, ["ipam": ipamConfig, "ipMasq": true], containerID: id, netns: "/run/netns/\(id)"))
        }
        fakes.datapath.failAt = "hostLink"
        try plugin.garbageCollect(makeRequest(.garbageCollect, ["ipam": ipamConfig, "ipMasq": true, "cni.dev/valid-attachments": []]))
        #expect(Set(fakes.allocator?.leases.keys.map(\.containerID) ?? []) == ["a", "b"])
        #expect(Set(fakes.firewallFake.masquerade["net1"]?.keys.map(\.containerID) ?? []) == ["a", "b"])
    }

    @Test("ADD records the attachment as the host veth's owner")
    func ownerRecorded() throws {
        let fakes = FakeDependencies()
        _ = try BridgePlugin(dependencies: fakes, log: { _ in }).add(makeRequest(.add, ["ipam": ipamConfig]))
        let attachment = Attachment(containerID: "c1", ifName: "eth0")
        #expect(fakes.datapath.owners[BridgeNaming.hostVethName(for: attachment)] == BridgeNaming.hostVethOwner(for: attachment))
    }

    @Test("DEL leaves a host veth of its hashed name that another attachment owns")
    func deleteChecksOwner() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let loser = Attachment(containerID: "loser", ifName: "eth0")
        let name = BridgeNaming.hostVethName(for: loser)
        // As if a colliding attachment ("winner") had made a veth of the same hashed name.
        fakes.datapath.hostLinks[name] = LinkSnapshot(name: name, kind: "veth", mac: "02:00:00:00:00:09", masterName: "cni0")
        fakes.datapath.owners[name] = BridgeNaming.hostVethOwner(for: .init(containerID: "winner", ifName: "eth0"))
        try plugin.delete(makeRequest(.delete, ["ipam": ipamConfig], containerID: "loser", netns: ""))
        #expect(fakes.datapath.hostLinks[name] != nil)
    }

    @Test("The owner fits the kernel's alias limit however long the container ID")
    func ownerBounded() {
        let long = Attachment(containerID: String(repeating: "a", count: 300), ifName: "eth0")
        #expect(BridgeNaming.hostVethOwner(for: long).utf8.count == 255)
        #expect(BridgeNaming.hostVethOwner(for: .init(containerID: "c1", ifName: "eth0")) == "c1@eth0")
    }
}
