import CNIProtocol
import CNITestSupport
import Testing

@testable import Nftables

private let network = "mynet"
private func attachment(_ id: String) -> CNIProtocol.Attachment { CNIProtocol.Attachment(containerID: id, ifName: "eth0") }
private let ipFilter = Table(family: .ipv4, name: "filter")
private let forwardChain = Chain(table: ipFilter, name: "FORWARD", hook: Chain.Hook(type: "filter", hook: 2, priority: 0, policy: .drop))
private let ours = "ip filter NSBRIDGE-FORWARD"
private let admin = "ip filter NSBRIDGE-ADMIN"

/// A fake host where iptables-nft made `ip filter` with `FORWARD` policy drop and one rule of Docker's.
private func dockerHost() throws -> RecordingNftablesTransport {
    let transport = RecordingNftablesTransport()
    let dockerRule = Rule(chain: forwardChain, expressions: [.counter, .verdict(.jump("DOCKER-USER"))], comment: "docker")
    try transport.apply(Batch([.addTable(ipFilter), .addChain(Chain(table: ipFilter, name: "DOCKER-USER")), .addChain(forwardChain),
                               .addRule(dockerRule)]))
    return transport
}

@Suite("ForwardingAcceptance against the fake kernel")
struct ForwardingAcceptanceTests {
    @Test("A host without iptables' tables gets nothing, in any table, and DEL/GC/CHECK succeed")
    func nothingWithoutIptables() throws {
        let transport = RecordingNftablesTransport()
        let forwarding = ForwardingAcceptance(transport: transport)
        try forwarding.add(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        try forwarding.check(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        try forwarding.remove(network: network, attachment: attachment("a"), hostInterface: "veth1")
        try forwarding.garbageCollect(network: network, valid: [])
        #expect(transport.attemptedBatches.isEmpty)
        #expect(transport.state.tables.isEmpty)
    }

    @Test("ADD puts our jump first in FORWARD, keeps Docker's rule, and writes no rule for later attachments")
    func addKeepsForeignRulesAndConstantRuleCount() throws {
        let transport = try dockerHost()
        let forwarding = ForwardingAcceptance(transport: transport)
        for index in 1...20 {
            try forwarding.add(network: network, attachment: attachment("c\(index)"), bridge: "cni0", hostInterface: "veth\(index)")
        }
        #expect(transport.state.chains["ip filter FORWARD"] == [ForwardingAcceptance.jumpComment, "docker"])
        #expect(transport.state.chains[ours]?.count == 3)
        #expect(transport.state.chains[admin] == [])
        #expect(transport.state.sets["inet nsbridge nsb-\(OwnerTag.networkHash(network))-fwd"]?.count == 20)
        let later = transport.appliedBatches.dropFirst(2)
        let writesRule: (Operation) -> Bool = {
            switch $0 {
            case .addRule, .insertRule, .deleteRule, .flushChain, .deleteChain: return true
            default: return false
            }
        }
        #expect(later.count == 19 && later.allSatisfy { !$0.operations.contains(where: writesRule) },
                "attachments after the first add one element each, and touch no rule")
        try forwarding.check(network: network, attachment: attachment("c3"), bridge: "cni0", hostInterface: "veth3")
    }

    @Test("DEL removes only its membership; the last DEL removes the jump and our chains, never Docker's rule")
    func lastDeleteRemovesEverything() throws {
        let transport = try dockerHost()
        let forwarding = ForwardingAcceptance(transport: transport)
        try forwarding.add(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        try forwarding.add(network: network, attachment: attachment("b"), bridge: "cni0", hostInterface: "veth2")
        try forwarding.remove(network: network, attachment: attachment("a"), hostInterface: "veth1")
        #expect(transport.state.chains[ours]?.count == 3)
        try forwarding.remove(network: network, attachment: attachment("b"), hostInterface: "veth2")
        #expect(transport.state.chains["ip filter FORWARD"] == ["docker"])
        #expect(transport.state.chains[ours] == nil && transport.state.chains[admin] == nil)
        #expect(transport.state.sets.isEmpty)
        try forwarding.remove(network: network, attachment: attachment("b"), hostInterface: "veth2")
    }

    @Test("A DEL by another attachment with the same interface name takes nothing away")
    func foreignOwnerKept() throws {
        let transport = try dockerHost()
        let forwarding = ForwardingAcceptance(transport: transport)
        try forwarding.add(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        try forwarding.remove(network: network, attachment: attachment("other"), hostInterface: "veth1")
        try forwarding.check(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
    }

    @Test("The operator's admin chain survives the last DEL when it holds rules")
    func adminChainWithRulesKept() throws {
        let transport = try dockerHost()
        let forwarding = ForwardingAcceptance(transport: transport)
        try forwarding.add(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        let adminChain = Chain(table: ipFilter, name: "NSBRIDGE-ADMIN")
        try transport.apply(Batch([.addRule(Rule(chain: adminChain, expressions: [.verdict(.drop)], comment: "operator"))]))
        try forwarding.remove(network: network, attachment: attachment("a"), hostInterface: "veth1")
        #expect(transport.state.chains[admin] == ["operator"])
        #expect(transport.state.chains[ours] == nil)
        try forwarding.add(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        #expect(transport.state.chains[admin] == ["operator"], "ADD reuses it")
    }

    @Test("Two networks share the jump; the first network's last DEL leaves the other's rules")
    func twoNetworks() throws {
        let transport = try dockerHost()
        let forwarding = ForwardingAcceptance(transport: transport)
        try forwarding.add(network: "one", attachment: attachment("a"), bridge: "br1", hostInterface: "veth1")
        try forwarding.add(network: "two", attachment: attachment("b"), bridge: "br2", hostInterface: "veth2")
        #expect(transport.state.chains[ours]?.count == 5)
        try forwarding.remove(network: "one", attachment: attachment("a"), hostInterface: "veth1")
        #expect(transport.state.chains[ours]?.count == 3)
        #expect(transport.state.chains["ip filter FORWARD"]?.first == ForwardingAcceptance.jumpComment)
        try forwarding.check(network: "two", attachment: attachment("b"), bridge: "br2", hostInterface: "veth2")
    }

    @Test("CHECK names what a flush took; the next ADD restores it, and a changed bridge rewrites the rules")
    func checkAndRepair() throws {
        let transport = try dockerHost()
        let forwarding = ForwardingAcceptance(transport: transport)
        try forwarding.add(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        try transport.apply(Batch([.flushChain(Chain(table: ipFilter, name: "NSBRIDGE-FORWARD")), .flushChain(forwardChain)]))
        let error = #expect(throws: MissingFirewallState.self) {
            try forwarding.check(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        }
        #expect(error?.missing.count == 2)
        try forwarding.add(network: network, attachment: attachment("b"), bridge: "cni0", hostInterface: "veth2")
        try forwarding.check(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        try forwarding.add(network: network, attachment: attachment("c"), bridge: "cni1", hostInterface: "veth3")
        try forwarding.check(network: network, attachment: attachment("c"), bridge: "cni1", hostInterface: "veth3")
        #expect(transport.state.chains[ours]?.count == 3)
    }

    @Test("GC drops members that are not valid and the rules once none is left")
    func garbageCollect() throws {
        let transport = try dockerHost()
        let forwarding = ForwardingAcceptance(transport: transport)
        try forwarding.add(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        try forwarding.add(network: network, attachment: attachment("b"), bridge: "cni0", hostInterface: "veth2")
        try forwarding.garbageCollect(network: network, valid: [attachment("b")])
        try forwarding.check(network: network, attachment: attachment("b"), bridge: "cni0", hostInterface: "veth2")
        #expect(throws: MissingFirewallState.self) {
            try forwarding.check(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        }
        try forwarding.garbageCollect(network: network, valid: [])
        #expect(transport.state.chains["ip filter FORWARD"] == ["docker"])
        #expect(transport.state.sets.isEmpty)
    }

    @Test("A teardown refused because a concurrent ADD joined (EBUSY) leaves the rules")
    func teardownRefusedWhileInUse() throws {
        let transport = try dockerHost()
        let forwarding = ForwardingAcceptance(transport: transport)
        try forwarding.add(network: network, attachment: attachment("a"), bridge: "cni0", hostInterface: "veth1")
        transport.injectedApplyErrors = [NftablesError("begin batch", errno: 85)]
        try forwarding.add(network: network, attachment: attachment("b"), bridge: "cni0", hostInterface: "veth2")
        try forwarding.removeIfUnused(network: network)
        #expect(transport.state.chains[ours]?.count == 3, "two members still use the network")
    }
}
