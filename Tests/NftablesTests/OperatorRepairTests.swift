import CNIProtocol
import CNITestSupport
import Testing

@testable import Nftables

private let network = "mynet"
private func attachment(_ id: String) -> CNIProtocol.Attachment { CNIProtocol.Attachment(containerID: id, ifName: "eth0") }
private let ipFilter = Table(family: .ipv4, name: "filter")
private let forwardChain = Chain(table: ipFilter, name: "FORWARD", hook: Chain.Hook(type: "filter", hook: 2, priority: 0, policy: .drop))

/// `iptables -P FORWARD DROP` on a fake host: `ip filter FORWARD` with policy drop and no rule.
private func droppingHost() throws -> RecordingNftablesTransport {
    let transport = RecordingNftablesTransport()
    try transport.apply(Batch([.addTable(ipFilter), .addChain(forwardChain)]))
    return transport
}

@Suite("Forwarding acceptance repair and the owned-element inventory (fake kernel)")
struct OperatorRepairTests {
    @Test("After a flush, repair restores the jump, the network's rules and every member in one batch")
    func forwardingRepairAfterFlush() throws {
        let transport = try droppingHost()
        let forwarding = ForwardingAcceptance(transport: transport)
        let members = (1...3).map { ForwardingAcceptance.Member(attachment: attachment("c\($0)"), hostInterface: "veth\($0)") }
        for member in members {
            try forwarding.add(network: network, attachment: member.attachment, bridge: "cni0", hostInterface: member.hostInterface)
        }
        let healthy = transport.state
        transport.flushRuleset()
        try transport.apply(Batch([.addTable(ipFilter), .addChain(forwardChain)]))
        let before = transport.appliedBatches.count
        let restored = try forwarding.repair(network: network, bridge: "cni0", members: members)
        #expect(transport.appliedBatches.count == before + 1, "one transaction")
        #expect(restored.count == 4, "the table's acceptance and three members: \(restored)")
        #expect(transport.state == healthy)
        for member in members {
            try forwarding.check(network: network, attachment: member.attachment, bridge: "cni0", hostInterface: member.hostInterface)
        }
        #expect(try forwarding.repair(network: network, bridge: "cni0", members: members).isEmpty)
        #expect(transport.appliedBatches.count == before + 1, "nothing missing, nothing written")
    }

    @Test("Doctor's view: the acceptance is there for the network's bridge only, and gone after a flush")
    func acceptanceStates() throws {
        let transport = try droppingHost()
        let forwarding = ForwardingAcceptance(transport: transport)
        try forwarding.add(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        let state = try #require(forwarding.states().first)
        #expect(state.accepts(network: network, bridge: "cni0"))
        #expect(!state.accepts(network: network, bridge: "cni1"))
        #expect(!state.accepts(network: "other", bridge: "cni0"))
        transport.flushRuleset()
        try transport.apply(Batch([.addTable(ipFilter), .addChain(forwardChain)]))
        #expect(try forwarding.states().map { $0.accepts(network: network, bridge: "cni0") } == [false])
    }

    @Test("The inventory lists each owner's elements, port mappings under their own network, one listing per map")
    func inventoryGroupsByNetworkAndOwner() throws {
        let transport = try droppingHost()
        let a = attachment("a")
        try MasqueradeFirewall(transport: transport).add(network: network, attachment: a, addresses: [IPAddress("10.88.0.2")!],
                                                         subnets: [IPNetwork("10.88.0.0/16")!])
        try ForwardingAcceptance(transport: transport).add(network: network, attachment: a, bridge: "cni0", hostInterface: "veth1")
        try PortMappingFirewall(transport: transport).add(.init(
            network: "other", attachment: attachment("b"), mappings: [PortMapping(hostPort: 8080, containerPort: 80)],
            addresses: [IPAddress("10.99.0.5")!], bridge: "cni9"))
        let counting = ListingCounter(transport)
        let owned = try OwnedElementInventory(transport: counting).elements(networks: [network, "other"])
        let mine = owned[network] ?? []
        #expect(Set(mine.map(\.purpose)) == ["masquerade", "forwarding acceptance"])
        #expect(mine.allSatisfy { $0.owner == OwnerTag.owner(network: network, attachment: a) })
        let theirs = owned["other"] ?? []
        #expect(theirs.map(\.purpose) == ["port mapping", "port mapping"], "the map element and the hairpin element")
        #expect(theirs.compactMap(\.target) == [IPAddress("10.99.0.5")!])
        let maps = OwnedElementInventory.networkMaps(network).count * 2 + 6
        #expect(counting.listings == maps, "one listing per map and network, the six port-mapping sets once")
        #expect(counting.keyedReads == 0)
    }
}

/// Counts the element reads a transport serves.
private final class ListingCounter: NftablesTransport {
    let inner: RecordingNftablesTransport
    var listings = 0
    var keyedReads = 0

    init(_ inner: RecordingNftablesTransport) { self.inner = inner }

    func apply(_ batch: Batch) throws { try inner.apply(batch) }
    func generation() throws -> UInt32 { try inner.generation() }
    func elements(of set: NamedSet, keys: [[UInt8]]?) throws -> [SetElement]? {
        if keys == nil { listings += 1 } else { keyedReads += 1 }
        return try inner.elements(of: set, keys: keys)
    }
    func ruleComments(in chain: Chain) throws -> [String?]? { try inner.ruleComments(in: chain) }
    func rules(in chain: Chain) throws -> [RuleEntry]? { try inner.rules(in: chain) }
    func useCount(of chain: Chain) throws -> UInt32? { try inner.useCount(of: chain) }
    func chainNames(in table: Table) throws -> [String]? { try inner.chainNames(in: table) }
}
