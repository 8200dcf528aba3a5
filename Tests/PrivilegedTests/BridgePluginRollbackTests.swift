import BridgePlugin
import CNIProtocol
import CNITestSupport
import IPAM
import Testing

/// Fails at the start of one step of the real datapath, so that every earlier step has done
/// its work and registered its undo: failing at `createVethPair` is "a fault after the bridge".
final class FaultAtStep: Datapath {
    struct Injected: Error {}
    let base: Datapath
    let step: String

    init(_ base: Datapath, failingAfter step: String) {
        self.base = base
        self.step = step
    }

    private func at<T>(_ name: String, _ body: () throws -> T) throws -> T {
        if name == step { throw Injected() }
        return try body()
    }

    func openContainerNamespace(_ path: String) throws {
        try at("openContainerNamespace") { try base.openContainerNamespace(path) }
    }
    func ensureBridge(_ spec: BridgeSpec) throws -> (bridge: LinkSnapshot, created: Bool) {
        try at("ensureBridge") { try base.ensureBridge(spec) }
    }
    func deleteBridgeIfUnused(named name: String) throws { try base.deleteBridgeIfUnused(named: name) }
    func createVethPair(_ spec: VethSpec) throws -> (host: LinkSnapshot, container: LinkSnapshot) {
        try at("createVethPair") { try base.createVethPair(spec) }
    }
    func attachPort(_ spec: PortSpec) throws { try at("attachPort") { try base.attachPort(spec) } }
    func reattachPorts(_ names: Set<String>, toBridge bridge: String) throws -> [String] {
        try at("reattachPorts") { try base.reattachPorts(names, toBridge: bridge) }
    }
    func configureContainerInterface(_ spec: ContainerInterfaceSpec) throws -> Set<Int> {
        try at("configureContainerInterface") { try base.configureContainerInterface(spec) }
    }
    func addGatewayAddresses(_ addresses: [IPNetwork], toBridge bridge: String, replaceConflicting: Bool) throws {
        try at("addGatewayAddresses") {
            try base.addGatewayAddresses(addresses, toBridge: bridge, replaceConflicting: replaceConflicting)
        }
    }
    func enableForwarding(for families: Set<IPFamily>) throws { try base.enableForwarding(for: families) }
    func waitUntilUp(hostLink name: String) throws { try at("waitUntilUp") { try base.waitUntilUp(hostLink: name) } }
    func hostLink(named name: String) throws -> LinkSnapshot? { try base.hostLink(named: name) }
    func deleteHostLink(named name: String, ownedBy owner: String?) throws -> Bool {
        try base.deleteHostLink(named: name, ownedBy: owner)
    }
    func deleteContainerInterface(netns: String, name: String) throws {
        try base.deleteContainerInterface(netns: netns, name: name)
    }
    func inspectContainerInterface(netns: String, name: String, tables: Set<Int>) throws -> ContainerSnapshot? {
        try base.inspectContainerInterface(netns: netns, name: name, tables: tables)
    }
    func announceAddresses(netns: String, interface name: String, mac: String, addresses: [IPAddress]) throws {
        try at("announceAddresses") { try base.announceAddresses(netns: netns, interface: name, mac: mac, addresses: addresses) }
    }
}

/// The live collaborators, with the datapath wrapped to fail after `step`.
final class FaultyDependencies: BridgeDependencies {
    let live = LiveDependencies()
    let step: String
    init(failingAfter step: String) { self.step = step }

    func datapath(for request: PluginRequest) throws -> Datapath {
        FaultAtStep(try live.datapath(for: request), failingAfter: step)
    }
    func firewall() throws -> Firewall { try live.firewall() }
    func trafficShaper() throws -> TrafficShaper { try live.trafficShaper() }
    func addressManager(for request: PluginRequest) throws -> (any AddressManager)? {
        try live.addressManager(for: request)
    }
}

@Suite(
    "A failed ADD leaves nothing behind (real kernel)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct BridgePluginRollbackTests {
    /// Each fault point follows a step: the bridge, the veth pair, the port settings, the
    /// address reservation, the container's addresses, the gateway (then masquerade). Shaping
    /// follows the port settings, so the later faults also roll back its ifb and qdiscs.
    @Test("Fault after each step: links, ifb, reservation, masquerade state and the new bridge are removed",
          arguments: ["createVethPair", "attachPort", "configureContainerInterface", "addGatewayAddresses", "waitUntilUp"])
    func rollback(step: String) throws {
        try withTestbed { bed in
            let config = bed.config([
                "isGateway": true, "ipMasq": true, "hairpinMode": true,
                "ingressRate": 40_000_000, "ingressBurst": 400_000, "egressRate": 40_000_000, "egressBurst": 400_000,
            ])
            let environment = PluginEnvironment(command: .add, containerID: "c1", netns: try bed.container("c1").path,
                                                ifName: "eth0", searchPath: ["/usr/lib/cni"])
            let request = PluginRequest(environment: environment,
                                        configuration: try NetworkConfiguration(object: config.objectValue ?? [:]))
            let plugin = BridgePlugin(dependencies: FaultyDependencies(failingAfter: step), log: { _ in })
            // The plugin opens its host sockets on the thread that runs it: the throwaway host's.
            #expect(throws: FaultAtStep.Injected.self) {
                try bed.host.run { _ = try plugin.add(request) }
            }
            #expect(try bed.hostLinkNames() == ["lo"], "only loopback remains in the host namespace")
            #expect(try bed.link("eth0", in: bed.container("c1")) == nil)
            #expect(bed.reservations().isEmpty)
            #expect(!(try bed.shell(bed.host, ["nft", "list", "ruleset"]).contains("10.66.0.2")))

            let delete = try bed.invoke("DEL", config, netns: bed.container("c1").path)
            #expect(delete.status == 0, "the runtime's DEL after a failed ADD still succeeds: \(delete)")
        }
    }

    @Test("A CNI_NETNS that does not exist fails ADD with code 8 before the bridge is created")
    func missingNamespace() throws {
        try withTestbed { bed in
            let config = bed.config(["isGateway": true, "ipMasq": true])
            let outcome = try bed.invoke("ADD", config, netns: "/run/netns/nsbridge-kt-never-created")
            #expect(outcome.status == 1 && outcome.json?["code"]?.integerValue == 8, "\(outcome)")
            #expect(try bed.hostLinkNames() == ["lo"], "no bridge or veth is left in the host namespace")
            #expect(bed.reservations().isEmpty)
        }
    }
}
