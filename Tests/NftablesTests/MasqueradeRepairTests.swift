import CNIProtocol
import CNITestSupport
import Testing

@testable import Nftables

private let network = "mynet"
private let subnets = [IPNetwork("10.88.0.0/16")!]
private func holder(_ id: String, _ address: String) -> MasqueradeFirewall.Holder {
    .init(attachment: CNIProtocol.Attachment(containerID: id, ifName: "eth0"), addresses: [IPAddress(address)!])
}

@Suite("Masquerade repair against the fake kernel")
struct MasqueradeRepairTests {
    @Test("After nft flush ruleset, one batch restores the chains and every holder's element, as ADD would have")
    func restoresAfterFlush() throws {
        let transport = RecordingNftablesTransport()
        let firewall = MasqueradeFirewall(transport: transport)
        let holders = [holder("a", "10.88.0.2"), holder("b", "10.88.0.3")]
        for holder in holders {
            try firewall.add(network: network, attachment: holder.attachment, addresses: holder.addresses, subnets: subnets)
        }
        let healthy = transport.state
        transport.flushRuleset()
        let batchesBefore = transport.appliedBatches.count
        let restored = try firewall.repair(network: network, holders: holders, subnets: subnets, excluded: [])
        #expect(transport.appliedBatches.count == batchesBefore + 1, "one transaction")
        #expect(restored.count == 4, "two chains and two elements: \(restored)")
        #expect(transport.state == healthy)
        for holder in holders {
            try firewall.check(network: network, attachment: holder.attachment, addresses: holder.addresses)
        }
    }

    @Test("Nothing missing: nothing is written")
    func nothingToDo() throws {
        let transport = RecordingNftablesTransport()
        let firewall = MasqueradeFirewall(transport: transport)
        let a = holder("a", "10.88.0.2")
        try firewall.add(network: network, attachment: a.attachment, addresses: a.addresses, subnets: subnets)
        let batches = transport.appliedBatches.count
        #expect(try firewall.repair(network: network, holders: [a], subnets: subnets, excluded: []).isEmpty)
        #expect(transport.appliedBatches.count == batches)
    }

    @Test("Only the missing element is added, and an element held by a dead owner is taken over")
    func partial() throws {
        let transport = RecordingNftablesTransport()
        let firewall = MasqueradeFirewall(transport: transport)
        let (a, stale) = (holder("a", "10.88.0.2"), holder("old", "10.88.0.3"))
        try firewall.add(network: network, attachment: a.attachment, addresses: a.addresses, subnets: subnets)
        try firewall.add(network: network, attachment: stale.attachment, addresses: stale.addresses, subnets: subnets)
        let b = holder("b", "10.88.0.3")
        let restored = try firewall.repair(network: network, holders: [a, b], subnets: subnets, excluded: [])
        #expect(restored == ["masquerade element 10.88.0.3 of b/eth0"])
        try firewall.check(network: network, attachment: b.attachment, addresses: b.addresses)
        let owners = try firewall.elementOwners(network: network)
        #expect(owners.map(\.address.description).sorted() == ["10.88.0.2", "10.88.0.3"])
        #expect(owners.allSatisfy { owner in
            [a, b].contains { MasqueradeFirewall.comment(owner.comment, isOwnedBy: $0.attachment, network: network) }
        })
    }
}
