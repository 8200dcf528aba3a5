import BridgePlugin
import CNIProtocol
import Testing

@Suite("ADD heals a network whose bridge was deleted (fakes)")
struct SelfHealingTests {
    @Test("ADD that re-creates a deleted bridge puts the earlier containers' host veths back on it, with their port settings")
    func reattachesEarlierPorts() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let config: [String: JSONValue] = ["ipam": ipamConfig, "hairpinMode": true]
        for id in ["c1", "c2"] { _ = try plugin.add(makeRequest(.add, config, containerID: id, netns: "/run/netns/\(id)")) }
        let earlier = ["c1", "c2"].map { BridgeNaming.hostVethName(for: .init(containerID: $0, ifName: "eth0")) }
        fakes.datapath.hostLinks["cni0"] = nil
        for name in earlier { fakes.datapath.hostLinks[name]?.masterName = nil }
        fakes.datapath.ports = [:]

        _ = try plugin.add(makeRequest(.add, config, containerID: "c3", netns: "/run/netns/c3"))

        for name in earlier {
            #expect(fakes.datapath.hostLinks[name]?.masterName == "cni0")
            #expect(fakes.datapath.ports[name]?.hairpin == true)
        }
    }

    @Test("ADD onto a bridge that exists re-attaches nothing (the steady-state path stays O(1))")
    func steadyStateDoesNotLookAtOthers() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        _ = try plugin.add(makeRequest(.add, ["ipam": ipamConfig], containerID: "c1"))
        fakes.datapath.journal = []
        _ = try plugin.add(makeRequest(.add, ["ipam": ipamConfig], containerID: "c2", netns: "/run/netns/c2"))
        #expect(!fakes.datapath.journal.contains("reattachPorts"))
    }

    @Test("a bridge's MAC is stable per (host, name), unicast and locally administered, and differs across hosts and names")
    func stableBridgeMAC() {
        let mac = BridgeNaming.bridgeMAC(named: "cni0", machineID: "0123456789abcdef0123456789abcdef")
        #expect(mac == BridgeNaming.bridgeMAC(named: "cni0", machineID: "0123456789abcdef0123456789abcdef"))
        #expect(mac.isUnicast && mac.bytes[0] & 0x02 == 0x02)
        #expect(mac != BridgeNaming.bridgeMAC(named: "cni1", machineID: "0123456789abcdef0123456789abcdef"))
        #expect(mac != BridgeNaming.bridgeMAC(named: "cni0", machineID: "fedcba9876543210fedcba9876543210"))
    }
}
