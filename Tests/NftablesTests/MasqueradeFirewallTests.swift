import CNIProtocol
import CNITestSupport
import Testing

@testable import Nftables

private let network = "mynet"
private let subnets = [IPNetwork("10.88.0.0/16")!]
private func attachment(_ id: String) -> CNIProtocol.Attachment { CNIProtocol.Attachment(containerID: id, ifName: "eth0") }
private let address = IPAddress("10.88.0.5")!

@Suite("MasqueradeFirewall against the fake kernel")
struct MasqueradeFirewallTests {
    @Test("DEL with nothing there succeeds and creates nothing")
    func deleteNothing() throws {
        let transport = RecordingNftablesTransport()
        try MasqueradeFirewall(transport: transport).remove(network: network, attachment: attachment("a"), addresses: [address])
        try MasqueradeFirewall(transport: transport).remove(network: network, attachment: attachment("a"))
        #expect(transport.appliedBatches.isEmpty)
        #expect(transport.state.tables.isEmpty)
    }

    @Test("A DEL that loses the race to a concurrent writer (ERESTART) reads again and then deletes")
    func retriesOnGenerationChange() throws {
        let transport = RecordingNftablesTransport()
        let firewall = MasqueradeFirewall(transport: transport)
        try firewall.add(network: network, attachment: attachment("a"), addresses: [address], subnets: subnets)
        transport.injectedApplyErrors = [NftablesError("begin batch", errno: 85)]
        try firewall.remove(network: network, attachment: attachment("a"), addresses: [address])
        #expect(transport.state.sets.isEmpty, "deleted on the second attempt, then the network went")
    }

    @Test("Adding the same attachment twice keeps one element and the same rule count")
    func idempotentAdd() throws {
        let transport = RecordingNftablesTransport()
        let firewall = MasqueradeFirewall(transport: transport)
        try firewall.add(network: network, attachment: attachment("a"), addresses: [address], subnets: subnets)
        let rules = transport.state.chains
        try firewall.add(network: network, attachment: attachment("a"), addresses: [address], subnets: subnets)
        #expect(transport.state.chains == rules)
        #expect(transport.state.sets.values.map(\.count).reduce(0, +) == 1)
    }

    @Test("CHECK names the missing chains and element, and a foreign owner")
    func checkReportsMissing() throws {
        let transport = RecordingNftablesTransport()
        let firewall = MasqueradeFirewall(transport: transport)
        #expect {
            try firewall.check(network: network, attachment: attachment("a"), addresses: [address])
        } throws: { error in
            (error as? MissingFirewallState)?.missing.count == 3
        }
        try firewall.add(network: network, attachment: attachment("b"), addresses: [address], subnets: subnets)
        #expect {
            try firewall.check(network: network, attachment: attachment("a"), addresses: [address])
        } throws: { error in
            guard let missing = (error as? MissingFirewallState)?.missing else { return false }
            return missing.count == 1 && missing[0].contains("belongs to another attachment")
        }
        try firewall.check(network: network, attachment: attachment("b"), addresses: [address])
    }

    @Test("The rule count does not depend on the number of attachments")
    func constantRuleCount() throws {
        let transport = RecordingNftablesTransport()
        let firewall = MasqueradeFirewall(transport: transport)
        for index in 0..<50 {
            try firewall.add(network: network, attachment: attachment("c\(index)"),
                             addresses: [.v4(0x0a58_0000 + UInt32(index + 2))], subnets: subnets)
        }
        let ruleCount = transport.state.chains.values.map(\.count).reduce(0, +)
        let elementCount = transport.state.sets.values.map(\.count).reduce(0, +)
        let laterBatches = transport.appliedBatches.dropFirst()
        #expect(ruleCount == 6, "2 dispatch, 2 multicast, 1 subnet, 1 masquerade")
        #expect(elementCount == 50)
        #expect(laterBatches.count == 49)
        #expect(laterBatches.allSatisfy { $0.operations.count == 1 }, "once the network exists, ADD adds one element")
    }

    @Test("Once the network exists, ADD deletes nothing, and rebuilds the chains only when they are incomplete")
    func readyNetworkFastPath() throws {
        let transport = RecordingNftablesTransport()
        let firewall = MasqueradeFirewall(transport: transport)
        try firewall.add(network: network, attachment: attachment("a"), addresses: [address], subnets: subnets)
        try firewall.add(network: network, attachment: attachment("b"), addresses: [IPAddress("10.88.0.9")!], subnets: subnets)
        let second = try #require(transport.appliedBatches.last)
        #expect(second.operations.allSatisfy { if case .addElements = $0 { true } else { false } })
        // Re-adding the same attachment changes nothing at all.
        let before = transport.appliedBatches.count
        try firewall.add(network: network, attachment: attachment("b"), addresses: [IPAddress("10.88.0.9")!], subnets: subnets)
        #expect(transport.appliedBatches.count == before)
        // A changed ipMasqExclude means a different rule count: the full batch rewrites the chains.
        try firewall.add(network: network, attachment: attachment("c"), addresses: [IPAddress("10.88.0.10")!], subnets: subnets,
                         excluded: [IPNetwork("10.0.0.0/8")!])
        #expect(transport.appliedBatches.count == before + 1)
        #expect(transport.appliedBatches.last?.operations.count ?? 0 > 3)
    }
}
