import CNIProtocol
import Testing

@testable import Nftables

@Suite("One ADD transaction for masquerade, the spoof checks and isolation (fake kernel)")
struct NetworkAdditionTests {
    private let network = "tenants"
    private let subnets = [IPNetwork("10.88.0.0/16")!]

    private func attachment(_ id: String) -> CNIProtocol.Attachment { CNIProtocol.Attachment(containerID: id, ifName: "eth0") }

    /// Masquerade, ipspoofchk and isolation of container `index` (10.88.0.<index>).
    private func parts(_ index: UInt8, excluded: [IPNetwork] = []) -> [NetworkPart] {
        let owner = attachment("c\(index)")
        let address = IPAddress(bytes: [10, 88, 0, index])!
        let port = PortAddresses(name: "veth\(index)", mac: [0x02, 0, 0, 0, 0, index], addresses: [address])
        return [
            MasqueradeFirewall.part(network: network, attachment: owner, addresses: [address], subnets: subnets, excluded: excluded),
            AddressSpoofCheck.part(network: network, attachment: owner, port: port),
            NetworkIsolation.part(network: network, attachment: owner, bridge: "cni0", addresses: [address]),
        ]
    }

    @Test("the first ADD is one lookup datagram and one batch, and lists no chain")
    func firstAdd() throws {
        let transport = ReadCountingTransport()
        let rebuilt = try NetworkAddition(transport: transport).add(parts(2))
        #expect(rebuilt == [true, true, true])
        #expect(transport.roundTrips == 2)
        #expect(transport.listedChains.isEmpty, "a missing base chain already says the network must be built")
        #expect(transport.kernel.appliedBatches.count == 1)
    }

    @Test("on a network in place, ADD lists each target chain once and adds all its elements in one batch")
    func fastPath() throws {
        let transport = ReadCountingTransport()
        let addition = NetworkAddition(transport: transport)
        try addition.add(parts(2))
        transport.resetCounts()

        #expect(try addition.add(parts(3)) == [false, false, false])
        #expect(transport.roundTrips == 1 + 3 + 1)
        #expect(transport.listedChains.count == 3)
        #expect(transport.listedSets.isEmpty)
        let batch = try #require(transport.kernel.appliedBatches.last)
        // Masquerade 1, ipspoofchk 4 (port, MAC, IPv4, link-local), isolation 1.
        #expect(batch.operations.count == 6)
        #expect(batch.operations.allSatisfy { if case .addElements = $0 { true } else { false } })

        transport.resetCounts()
        try addition.add(parts(3))
        #expect(transport.roundTrips == 1 + 3, "a repeated ADD finds everything and applies nothing")
    }

    @Test("a part whose rules changed is rebuilt in the same batch that adds the others' elements")
    func rebuildsOnlyWhatChanged() throws {
        let transport = ReadCountingTransport()
        let addition = NetworkAddition(transport: transport)
        try addition.add(parts(2))
        let rebuilt = try addition.add(parts(3, excluded: [IPNetwork("192.168.0.0/16")!]))
        #expect(rebuilt == [true, false, false])
        #expect(transport.kernel.appliedBatches.count == 2)
        let masquerade = MasqueradeFirewall.objects(network: network)
        #expect(transport.kernel.state.chains["inet nsbridge \(masquerade.target.name)"]?.count == 5)
        try MasqueradeFirewall(transport: transport).check(network: network, attachment: attachment("c2"),
                                                           addresses: [IPAddress("10.88.0.2")!])
    }

    @Test("the ADD falls back to the full batch when a teardown removed the sets after the read")
    func teardownBetweenReadAndWrite() throws {
        let transport = ReadCountingTransport()
        let addition = NetworkAddition(transport: transport)
        try addition.add(parts(2))
        transport.kernel.injectedApplyErrors = [NftablesError("add element", errno: 2)]
        #expect(try addition.add(parts(3)) == [true, true, true])
        for part in parts(3) {
            try part.verify(owner: OwnerTag.owner(network: network, attachment: attachment("c3")), feature: "test",
                            transport: transport)
        }
    }
}
