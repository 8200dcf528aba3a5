import BridgePlugin
import Glibc
import CNIProtocol
import CNITestSupport
import IPAM
import Nftables

/// A step at which a fake collaborator throws, to test rollback.
enum InjectedFault: Error, Equatable {
    case failed(String)
}

/// An in-memory kernel: links on the host, interfaces per namespace, and a journal of calls.
final class FakeDatapath: Datapath {
    var hostLinks: [String: LinkSnapshot] = [:]
    var bridgeAddresses: [String: [IPNetwork]] = [:]
    var containers: [String: [String: ContainerSnapshot]] = [:]
    var forwarding: Set<IPFamily> = []
    var ports: [String: PortSpec] = [:]
    /// The owner recorded on each host link, as the kernel datapath records it in the alias.
    var owners: [String: String] = [:]
    var journal: [String] = []
    var failAt: String?
    private var nextMAC: UInt8 = 1

    private func step(_ name: String) throws {
        journal.append(name)
        if failAt == name { throw InjectedFault.failed(name) }
    }

    private func makeMAC() -> String {
        defer { nextMAC += 1 }
        return MACAddress(bytes: [0x02, 0, 0, 0, 0, nextMAC])!.description
    }

    func openContainerNamespace(_ path: String) throws { try step("openContainerNamespace") }

    func ensureBridge(_ spec: BridgeSpec) throws -> (bridge: LinkSnapshot, created: Bool) {
        try step("ensureBridge")
        if let existing = hostLinks[spec.name] {
            guard existing.kind == "bridge" else { throw InjectedFault.failed("not a bridge") }
            return (existing, false)
        }
        let bridge = LinkSnapshot(name: spec.name, kind: "bridge", mac: makeMAC(), mtu: spec.mtu ?? 1500)
        hostLinks[spec.name] = bridge
        return (bridge, true)
    }

    func deleteBridgeIfUnused(named name: String) throws {
        journal.append("deleteBridgeIfUnused")
        if !hostLinks.values.contains(where: { $0.masterName == name }) { hostLinks[name] = nil }
    }

    func createVethPair(_ spec: VethSpec) throws -> (host: LinkSnapshot, container: LinkSnapshot) {
        try step("createVethPair")
        if containers[spec.netns]?[spec.containerName] != nil { throw InjectedFault.failed("exists") }
        let host = LinkSnapshot(name: spec.hostName, kind: "veth", mac: makeMAC(), mtu: spec.mtu ?? 1500)
        let container = LinkSnapshot(
            name: spec.containerName, kind: "veth", mac: spec.containerMAC?.description ?? makeMAC(), mtu: spec.mtu ?? 1500)
        hostLinks[spec.hostName] = host
        owners[spec.hostName] = spec.owner
        containers[spec.netns, default: [:]][spec.containerName] = ContainerSnapshot(link: container, addresses: [], routes: [])
        return (host, container)
    }

    func attachPort(_ spec: PortSpec) throws {
        try step("attachPort")
        hostLinks[spec.port]?.masterName = spec.bridge
        ports[spec.port] = spec
    }

    func reattachPorts(_ names: Set<String>, toBridge bridge: String) throws -> [String] {
        try step("reattachPorts")
        let detached = names.filter { hostLinks[$0] != nil && hostLinks[$0]?.masterName != bridge }.sorted()
        for name in detached { hostLinks[name]?.masterName = bridge }
        return detached
    }

    func configureContainerInterface(_ spec: ContainerInterfaceSpec) throws -> Set<Int> {
        try step("configureContainerInterface")
        // Like the kernel, a destination the namespace already routes is not added again.
        let present = containers[spec.netns]?.values.flatMap(\.routes).map(\.destination) ?? []
        let skipped = Set(spec.routes.indices.filter { present.contains(spec.routes[$0].destination) })
        containers[spec.netns]?[spec.name]?.addresses = spec.addresses
        containers[spec.netns]?[spec.name]?.routes = spec.routes.enumerated().filter { !skipped.contains($0.offset) }.map(\.element)
        return skipped
    }

    func addGatewayAddresses(_ addresses: [IPNetwork], toBridge bridge: String, replaceConflicting: Bool) throws {
        try step("addGatewayAddresses")
        bridgeAddresses[bridge, default: []] += addresses.filter { !(bridgeAddresses[bridge] ?? []).contains($0) }
    }

    func enableForwarding(for families: Set<IPFamily>) throws {
        try step("enableForwarding")
        forwarding.formUnion(families)
    }

    func waitUntilUp(hostLink name: String) throws { try step("waitUntilUp") }

    func hostLink(named name: String) throws -> LinkSnapshot? {
        if failAt == "hostLink" { throw InjectedFault.failed("hostLink") }
        return hostLinks[name]
    }

    /// Deletes from the fake's state at once, like the default, and journals the start and the
    /// wait apart: the kernel datapath's wait ends when the kernel has unregistered the link.
    func startDeletingHostLink(named name: String, ownedBy owner: String?) throws -> () throws -> Bool {
        journal.append("startDeletingHostLink \(name)")
        let removed = try deleteHostLink(named: name, ownedBy: owner)
        return { [self] in
            journal.append("hostLinkUnregistered \(name)")
            return removed
        }
    }

    func deleteHostLink(named name: String, ownedBy owner: String?) throws -> Bool {
        journal.append("deleteHostLink \(name)")
        if let owner, let recorded = owners[name], recorded != owner { return false }
        guard hostLinks.removeValue(forKey: name) != nil else { return false }
        // A veth pair dies with either end: drop the container end too.
        for netns in containers.keys { containers[netns] = containers[netns]?.filter { $0.value.link.kind != "veth" } }
        return true
    }

    func deleteContainerInterface(netns: String, name: String) throws {
        journal.append("deleteContainerInterface")
        containers[netns]?[name] = nil
    }

    func inspectContainerInterface(netns: String, name: String, tables: Set<Int>) throws -> ContainerSnapshot? {
        containers[netns]?[name]
    }

    func announceAddresses(netns: String, interface name: String, mac: String, addresses: [IPAddress]) throws {
        try step("announce \(name) \(mac) \(addresses.map(\.description).joined(separator: ","))")
    }
}

/// Firewall state as a set of owned entries.
final class FakeFirewall: Firewall {
    var masquerade: [String: [Attachment: [IPAddress]]] = [:]
    var spoofChecks: [String: [Attachment: String]] = [:]
    /// Network → attachment → bridge (see FakeFirewall+Forwarding.swift).
    var forwarding: [String: [Attachment: String]] = [:]
    var failOnAdd = false
    var usable = true
    /// Port mappings run the real `PortMappingFirewall` over this in-memory kernel.
    let portMappingKernel = RecordingNftablesTransport()
    /// Where ``release()`` is journaled: the datapath's journal, to see the order of both.
    var journal: (String) -> Void = { _ in }
    private(set) var releases = 0

    func release() {
        releases += 1
        journal("release firewall")
    }

    func probe() throws {
        if !usable { throw InjectedFault.failed("nftables") }
    }

    func addMasquerade(network: String, attachment: Attachment, addresses: [IPAddress], subnets: [IPNetwork],
                       excluded: [IPNetwork]) throws -> Bool {
        if failOnAdd { throw InjectedFault.failed("masquerade") }
        let created = masquerade[network] == nil
        masquerade[network, default: [:]][attachment] = addresses
        return created
    }

    func removeMasquerade(network: String, attachment: Attachment, addresses: [IPAddress]?) throws {
        masquerade[network]?[attachment] = nil
    }

    func checkMasquerade(network: String, attachment: Attachment, addresses: [IPAddress]) throws {
        guard masquerade[network]?[attachment] == addresses else { throw InjectedFault.failed("masquerade missing") }
    }

    func garbageCollectMasquerade(network: String, keep: Set<Attachment>) throws {
        masquerade[network] = masquerade[network]?.filter { keep.contains($0.key) }
    }

    func repairMasquerade(network: String, holders: [MasqueradeFirewall.Holder], subnets: [IPNetwork],
                          excluded: [IPNetwork]) throws -> [String] {
        let missing = holders.filter { masquerade[network]?[$0.attachment] != $0.addresses }
        for holder in missing { masquerade[network, default: [:]][holder.attachment] = holder.addresses }
        return missing.map { "masquerade of \($0.attachment)" }
    }

    func addSpoofCheck(network: String, attachment: Attachment, hostInterface: String, mac: String) throws {
        spoofChecks[network, default: [:]][attachment] = mac
    }

    func removeSpoofCheck(network: String, attachment: Attachment) throws { spoofChecks[network]?[attachment] = nil }

    func checkSpoofCheck(network: String, attachment: Attachment, hostInterface: String, mac: String) throws {
        guard spoofChecks[network]?[attachment] == mac else { throw InjectedFault.failed("spoof check missing") }
    }

    func garbageCollectSpoofCheck(network: String, keep: Set<Attachment>) throws {
        spoofChecks[network] = spoofChecks[network]?.filter { keep.contains($0.key) }
    }

    var guards: [String: [Attachment: (guards: TenancyGuards, mac: String, addresses: [IPAddress])]] = [:]

    func addGuards(_ guards: TenancyGuards, attachment: Attachment, mac: String, addresses: [IPAddress]) throws {
        self.guards[guards.network, default: [:]][attachment] = (guards, mac, addresses)
    }

    func removeGuards(_ guards: TenancyGuards, attachment: Attachment, addresses: [IPAddress]?) throws {
        self.guards[guards.network]?[attachment] = nil
    }

    func checkGuards(_ guards: TenancyGuards, attachment: Attachment, mac: String, addresses: [IPAddress]) throws {
        guard let held = self.guards[guards.network]?[attachment], held.guards == guards, held.mac == mac,
              held.addresses == addresses
        else { throw InjectedFault.failed("guards missing") }
    }

    func garbageCollectGuards(_ guards: TenancyGuards, keep: Set<Attachment>) throws {
        self.guards[guards.network] = self.guards[guards.network]?.filter { keep.contains($0.key) }
    }
}

/// Hands out 10.1.0.2, .3, … from 10.1.0.0/24.
final class FakeAllocator: AddressManager, AddressPool {
    var leases: [Attachment: IPAddress] = [:]
    var next: UInt32 = 2
    var routes: [CNIResult.Route] = []
    var statusError: CNIError?

    func allocate(for attachment: Attachment) throws -> CNIResult {
        let address = IPAddress.v4(0x0A01_0000 + next)
        next += 1
        leases[attachment] = address
        return CNIResult(ips: [.init(address: IPNetwork(address: address, prefixLength: 24)!)], routes: routes)
    }

    /// When set, ADD hears that every address is handed out for the first time.
    var reportsFirstUse = false

    func allocateNotingFirstUse(for attachment: Attachment) throws -> AddressAllocation {
        let result = try allocate(for: attachment)
        return AddressAllocation(result: result, firstUse: reportsFirstUse ? Set(result.ips.map(\.address.address)) : [])
    }

    func release(for attachment: Attachment) throws { leases[attachment] = nil }

    func attachmentsHoldingAddresses() throws -> Set<Attachment> { Set(leases.keys) }

    func subnet(containing address: IPAddress) -> IPNetwork? { IPNetwork(address: address, prefixLength: 24)?.masked }

    func check(_ attachment: Attachment, expected: [IPAddress]) throws {
        guard let lease = leases[attachment], expected.contains(lease) else { throw InjectedFault.failed("no lease") }
    }

    func status() throws { if let statusError { throw statusError } }

    func addresses(of attachment: Attachment) throws -> [IPAddress] { leases[attachment].map { [$0] } ?? [] }

    func garbageCollect(valid: [Attachment]?, isAttachmentAlive: (Attachment) -> Bool) throws {
        let listed = Set(valid ?? [])
        leases = leases.filter { listed.contains($0.key) || isAttachmentAlive($0.key) }
    }
}

struct FakeDependencies: BridgeDependencies {
    let datapath: FakeDatapath
    let firewallFake: FakeFirewall
    let shaperFake = FakeTrafficShaper()
    let allocator: FakeAllocator?

    init(allocator: FakeAllocator? = FakeAllocator()) {
        datapath = FakeDatapath()
        firewallFake = FakeFirewall()
        firewallFake.journal = { [datapath] in datapath.journal.append($0) }
        self.allocator = allocator
    }

    func datapath(for request: PluginRequest) throws -> Datapath { datapath }
    func firewall() throws -> Firewall { firewallFake }
    func trafficShaper() throws -> TrafficShaper { shaperFake }
    func addressManager(for request: PluginRequest) throws -> (any AddressManager)? {
        request.configuration.ipam == nil ? nil : allocator
    }
}
