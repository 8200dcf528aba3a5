import BridgePlugin
import CNIProtocol
import Testing

/// Builds a request the way the runner would, from a configuration literal.
func makeRequest(_ command: CNICommand, _ members: [String: JSONValue], containerID: String = "c1",
                 ifName: String = "eth0", netns: String = "/run/netns/c1", args: String = "") throws -> PluginRequest {
    var object: [String: JSONValue] = ["cniVersion": "1.1.0", "name": "net1", "type": "nsbridge"]
    object.merge(members) { _, new in new }
    let environment = PluginEnvironment(command: command, containerID: containerID, netns: netns, ifName: ifName,
                                        arguments: try CNIArguments(parsing: args))
    return PluginRequest(environment: environment, configuration: try NetworkConfiguration(object: object))
}

let ipamConfig: JSONValue = ["type": "host-local", "subnet": "10.1.0.0/24"]

@Suite("Bridge plugin logic against fakes")
struct BridgePluginTests {
    @Test("ADD reports bridge, host veth and container interface, and IPs point at the container")
    func addResultShape() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let result = try plugin.add(makeRequest(.add, ["ipam": ipamConfig, "isGateway": true]))
        #expect(result.interfaces.map(\.name) == ["cni0", BridgeNaming.hostVethName(for: .init(containerID: "c1", ifName: "eth0")), "eth0"])
        #expect(result.interfaces[2].sandbox == "/run/netns/c1")
        #expect(result.interfaces[1].sandbox == nil)
        #expect(result.ips.count == 1)
        #expect(result.ips[0].interface == 2)
        #expect(result.ips[0].gateway == IPAddress("10.1.0.1"))
        #expect(fakes.datapath.bridgeAddresses["cni0"] == [IPNetwork("10.1.0.1/24")!])
        #expect(fakes.datapath.forwarding == [.v4])
    }

    @Test("isDefaultGateway adds a default route via the gateway unless IPAM gave one")
    func defaultRoute() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let result = try plugin.add(makeRequest(.add, ["ipam": ipamConfig, "isDefaultGateway": true]))
        #expect(result.routes == [CNIResult.Route(destination: IPNetwork("0.0.0.0/0")!, gateway: IPAddress("10.1.0.1"))])
        let installed = fakes.datapath.containers["/run/netns/c1"]?["eth0"]?.routes
        #expect(installed?.first?.gateway == IPAddress("10.1.0.1"))

        let preset = FakeDependencies()
        preset.allocator?.routes = [CNIResult.Route(destination: IPNetwork("0.0.0.0/0")!, gateway: IPAddress("10.1.0.254"))]
        let second = try BridgePlugin(dependencies: preset, log: { _ in })
            .add(makeRequest(.add, ["ipam": ipamConfig, "isDefaultGateway": true]))
        #expect(second.routes.count == 1)
        #expect(second.routes[0].gateway == IPAddress("10.1.0.254"))
    }

    @Test("A second interface does not report a default route the namespace already had")
    func firstDefaultRouteWins() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let first = try plugin.add(makeRequest(.add, ["ipam": ipamConfig, "isDefaultGateway": true]))
        let second = try plugin.add(makeRequest(.add, ["ipam": ipamConfig, "isDefaultGateway": true, "bridge": "cni1"], ifName: "eth1"))
        #expect(first.routes.count == 1)
        #expect(second.routes.isEmpty)
    }

    @Test("A failed ADD rolls back every step it had completed", arguments: [
        "attachPort", "configureContainerInterface", "addGatewayAddresses", "waitUntilUp",
    ])
    func rollback(failingStep: String) throws {
        let fakes = FakeDependencies()
        fakes.datapath.failAt = failingStep
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        #expect(throws: InjectedFault.failed(failingStep)) {
            try plugin.add(makeRequest(.add, ["ipam": ipamConfig, "isGateway": true, "ipMasq": true]))
        }
        #expect(fakes.datapath.hostLinks.isEmpty, "bridge created by this ADD and the veth are removed")
        #expect(fakes.allocator?.leases.isEmpty == true)
        #expect(fakes.firewallFake.masquerade["net1"]?.isEmpty ?? true)
    }

    @Test("A namespace that cannot be opened fails ADD before the bridge, the veth or an address exists")
    func missingNamespaceTouchesNothing() throws {
        let fakes = FakeDependencies()
        fakes.datapath.failAt = "openContainerNamespace"
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        #expect(throws: InjectedFault.failed("openContainerNamespace")) {
            try plugin.add(makeRequest(.add, ["ipam": ipamConfig, "isGateway": true, "ipMasq": true]))
        }
        #expect(fakes.datapath.journal == ["openContainerNamespace"])
        #expect(fakes.datapath.hostLinks.isEmpty)
        #expect(fakes.allocator?.leases.isEmpty ?? true)
    }

    @Test("Rollback keeps a bridge that existed before the ADD")
    func rollbackKeepsExistingBridge() throws {
        let fakes = FakeDependencies()
        fakes.datapath.hostLinks["cni0"] = LinkSnapshot(name: "cni0", kind: "bridge", mac: "02:00:00:00:00:99")
        fakes.firewallFake.failOnAdd = true
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        #expect(throws: InjectedFault.self) { try plugin.add(makeRequest(.add, ["ipam": ipamConfig, "ipMasq": true])) }
        #expect(Array(fakes.datapath.hostLinks.keys) == ["cni0"])
        #expect(fakes.allocator?.leases.isEmpty == true)
    }

    @Test("DEL without a namespace still frees links, firewall state and addresses; a second DEL succeeds")
    func deleteWithoutNamespace() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        _ = try plugin.add(makeRequest(.add, ["ipam": ipamConfig, "ipMasq": true, "macspoofchk": true]))
        let delete = try makeRequest(.delete, ["ipam": ipamConfig, "ipMasq": true, "macspoofchk": true], netns: "")
        try plugin.delete(delete)
        try plugin.delete(delete)
        #expect(fakes.datapath.hostLinks.keys.sorted() == ["cni0"])
        #expect(fakes.allocator?.leases.isEmpty == true)
        #expect(fakes.firewallFake.masquerade["net1"]?.isEmpty == true)
        #expect(fakes.firewallFake.spoofChecks["net1"]?.isEmpty == true)
    }

    @Test("CHECK passes right after ADD and names what is missing later")
    func check() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let result = try plugin.add(makeRequest(.add, ["ipam": ipamConfig, "ipMasq": true]))
        let previous = try result.json(for: .v1_1_0, versionText: "1.1.0")
        let checkRequest = try makeRequest(.check, ["ipam": ipamConfig, "ipMasq": true, "prevResult": previous])
        try plugin.check(checkRequest)

        fakes.datapath.containers["/run/netns/c1"]?["eth0"]?.addresses = []
        fakes.firewallFake.masquerade["net1"] = [:]
        let error = try #require(throws: CNIError.self) { try plugin.check(checkRequest) }
        #expect(error.details.contains("address 10.1.0.2/24 is missing on eth0"))
        #expect(error.details.contains("masquerade"))
    }

    @Test("CHECK without prevResult is a configuration error")
    func checkNeedsPrevResult() throws {
        let plugin = BridgePlugin(dependencies: FakeDependencies(), log: { _ in })
        let error = try #require(throws: CNIError.self) { try plugin.check(makeRequest(.check, ["ipam": ipamConfig])) }
        #expect(error.code == .invalidNetworkConfig)
    }

    @Test("GC frees stale attachments but keeps valid and live ones")
    func garbageCollect() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        for id in ["a", "b", "c"] {
            _ = try plugin.add(makeRequest(.add, ["ipam": ipamConfig, "ipMasq": true], containerID: id, netns: "/run/netns/\(id)"))
        }
        // "b" is gone without a DEL: its veth vanished with its namespace.
        _ = try fakes.datapath.deleteHostLink(named: BridgeNaming.hostVethName(for: .init(containerID: "b", ifName: "eth0")))
        // "c" is alive but the runtime forgot to list it.
        let valid: JSONValue = [["containerID": "a", "ifname": "eth0"]]
        try plugin.garbageCollect(makeRequest(.garbageCollect, ["ipam": ipamConfig, "ipMasq": true, "cni.dev/valid-attachments": valid]))
        #expect(Set(fakes.allocator?.leases.keys.map(\.containerID) ?? []) == ["a", "c"])
        #expect(Set(fakes.firewallFake.masquerade["net1"]?.keys.map(\.containerID) ?? []) == ["a", "c"])
    }

    @Test("STATUS passes the allocator's verdict through")
    func status() throws {
        let fakes = FakeDependencies()
        fakes.allocator?.statusError = CNIError(.pluginNotAvailable, "pool exhausted")
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        #expect(throws: CNIError(.pluginNotAvailable, "pool exhausted")) {
            try plugin.status(makeRequest(.status, ["ipam": ipamConfig]))
        }
    }

    @Test("STATUS is 50 when the network needs nftables and nftables cannot be used")
    func statusWithoutNftables() throws {
        let fakes = FakeDependencies()
        fakes.firewallFake.usable = false
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        try plugin.status(makeRequest(.status, ["ipam": ipamConfig]))
        let error = try #require(throws: CNIError.self) {
            try plugin.status(makeRequest(.status, ["ipam": ipamConfig, "ipMasq": true]))
        }
        #expect(error.code == .pluginNotAvailable)
    }

    @Test("A requested MAC comes from runtimeConfig before args before CNI_ARGS")
    func macPrecedence() throws {
        let request = try makeRequest(
            .add,
            ["runtimeConfig": ["mac": "02:00:00:00:00:01"], "args": ["cni": ["mac": "02:00:00:00:00:02"]]],
            args: "IgnoreUnknown=1;MAC=02:00:00:00:00:03")
        #expect(try BridgeConfiguration(request).requestedMAC?.description == "02:00:00:00:00:01")
        let fromArgs = try makeRequest(.add, [:], args: "IgnoreUnknown=1;K8S_POD_NAME=x;MAC=02:00:00:00:00:03")
        #expect(try BridgeConfiguration(fromArgs).requestedMAC?.description == "02:00:00:00:00:03")
    }
}
