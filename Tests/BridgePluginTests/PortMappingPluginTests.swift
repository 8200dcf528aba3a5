import BridgePlugin
import CNIProtocol
import Nftables
import Testing

private let capability: JSONValue = ["portMappings": true]

private func request(_ command: CNICommand, mappings: JSONValue?, capabilities: JSONValue? = capability,
                     containerID: String = "c1", name: String = "net1", bridge: String = "cni0") throws -> PluginRequest {
    var members: [String: JSONValue] = ["ipam": ipamConfig, "isGateway": true, "name": .string(name), "bridge": .string(bridge)]
    if let capabilities { members["capabilities"] = capabilities }
    if let mappings { members["runtimeConfig"] = ["portMappings": mappings] }
    return try makeRequest(command, members, containerID: containerID, netns: "/run/netns/\(containerID)")
}

@Suite("portMappings capability against fakes")
struct PortMappingPluginTests {
    @Test("Go field names (containerd's CRI) and JSON tags decode alike; protocol defaults to tcp")
    func decoding() throws {
        let go: JSONValue = [["HostPort": 30080, "ContainerPort": 8080, "Protocol": "UDP", "HostIP": "10.0.0.1"]]
        let tags: JSONValue = [["hostPort": 30080, "containerPort": 8080, "protocol": "udp", "hostIP": "10.0.0.1"], ["hostPort": 80, "containerPort": 8080]]
        let fakes = FakeDependencies()
        _ = try BridgePlugin(dependencies: fakes, log: { _ in }).add(request(.add, mappings: go))
        #expect(fakes.datapath.journal.contains("forgetFlows udp 10.0.0.1:30080 -> 8080"))
        let other = FakeDependencies()
        _ = try BridgePlugin(dependencies: other, log: { _ in }).add(request(.add, mappings: tags))
        #expect(other.datapath.journal.contains("forgetFlows udp 10.0.0.1:30080 -> 8080, tcp 80 -> 8080"))
        #expect(other.datapath.journal.contains("enableLocalhostRouting cni0"))
    }

    @Test("Invalid mappings are code 7 naming the key", arguments: [
        ("[{\"hostPort\": 0, \"containerPort\": 80}]", "runtimeConfig.portMappings[0].hostPort"),
        ("[{\"hostPort\": 80, \"containerPort\": 65536}]", "runtimeConfig.portMappings[0].containerPort"),
        ("[{\"hostPort\": 80}]", "runtimeConfig.portMappings[0].containerPort"),
        ("[{\"hostPort\": 80, \"containerPort\": 80, \"protocol\": \"icmp\"}]", "runtimeConfig.portMappings[0].protocol"),
        ("[{\"hostPort\": 80, \"containerPort\": 80, \"hostIP\": \"nowhere\"}]", "runtimeConfig.portMappings[0].hostIP"),
        ("{\"hostPort\": 80}", "runtimeConfig.portMappings"),
        ("[{\"hostPort\": 80, \"containerPort\": 80}, 7]", "runtimeConfig.portMappings[1]"),
    ])
    func invalid(text: String, key: String) throws {
        let mappings = try JSONValue(parsing: Array(text.utf8))
        let error = #expect(throws: CNIError.self) {
            _ = try BridgePlugin(dependencies: FakeDependencies(), log: { _ in }).add(request(.add, mappings: mappings))
        }
        #expect(error?.code == .invalidNetworkConfig)
        #expect(error?.message.contains(key) == true, "\(error?.message ?? "") names \(key)")
    }

    @Test("Without the capability declared nothing is read or programmed, even an invalid list")
    func capabilityOff() throws {
        let fakes = FakeDependencies()
        _ = try BridgePlugin(dependencies: fakes, log: { _ in })
            .add(request(.add, mappings: [["hostPort": 0]], capabilities: nil))
        #expect(fakes.firewallFake.portMappingElements.isEmpty)
        #expect(!fakes.datapath.journal.contains { $0.hasPrefix("forgetFlows") })
    }

    @Test("A conflict on another network fails ADD with code 105 naming the holder, and rolls everything back")
    func conflictRollsBack() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        _ = try plugin.add(request(.add, mappings: [["hostPort": 8080, "containerPort": 80]]))
        let before = fakes.firewallFake.portMappingElements
        let links = fakes.datapath.hostLinks.keys.sorted()
        let error = #expect(throws: PortMappingConflict.self) {
            _ = try plugin.add(request(.add, mappings: [["hostPort": 9090, "containerPort": 90], ["hostPort": 8080, "containerPort": 81]],
                                       containerID: "c2", name: "net2", bridge: "cni0"))
        }
        #expect(error?.cniError.code.rawValue == 105)
        #expect(error?.description.contains("net: net1, if: eth0, id: c1") == true)
        #expect(fakes.firewallFake.portMappingElements == before)
        #expect(fakes.datapath.hostLinks.keys.sorted() == links, "c2's veth is gone")
        #expect(fakes.allocator?.leases.count == 1, "c2's address is released")
    }

    @Test("A fault after the mappings are programmed removes them")
    func rollbackAfterPublish() throws {
        let fakes = FakeDependencies()
        fakes.datapath.failAt = "forgetFlows"
        #expect(throws: InjectedFault.self) {
            _ = try BridgePlugin(dependencies: fakes, log: { _ in }).add(request(.add, mappings: [["hostPort": 53, "containerPort": 53, "protocol": "udp"]]))
        }
        #expect(fakes.firewallFake.portMappingElements.isEmpty)
    }

    @Test("DEL without runtimeConfig and GC remove the attachment's mappings by owner")
    func deleteAndGC() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        _ = try plugin.add(request(.add, mappings: [["hostPort": 8080, "containerPort": 80]]))
        _ = try plugin.add(request(.add, mappings: [["hostPort": 9090, "containerPort": 80]], containerID: "c2"))
        try plugin.delete(request(.delete, mappings: nil))
        let left = fakes.firewallFake.portMappingElements.values.flatMap { $0 }.compactMap(\.comment)
        #expect(!left.isEmpty && left.allSatisfy { $0.hasSuffix("id: c2") })
        fakes.datapath.hostLinks = fakes.datapath.hostLinks.filter { !$0.key.hasPrefix("veth") }
        fakes.allocator?.leases = [:]
        var members: [String: JSONValue] = ["ipam": ipamConfig, "capabilities": capability]
        members["cni.dev/valid-attachments"] = []
        try plugin.garbageCollect(makeRequest(.garbageCollect, members))
        #expect(fakes.firewallFake.portMappingElements.isEmpty)
    }
}
