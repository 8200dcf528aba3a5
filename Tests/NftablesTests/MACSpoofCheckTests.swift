import CNIProtocol
import CNITestSupport
import Testing

@testable import Nftables

@Suite("MACSpoofCheck against the fake kernel")
struct MACSpoofCheckTests {
    private func attachment(_ id: String) -> CNIProtocol.Attachment { CNIProtocol.Attachment(containerID: id, ifName: "eth0") }

    @Test("Once the network exists, ADD only adds the port's two elements; DEL of the last port removes the network")
    func readyNetworkFastPath() throws {
        let transport = RecordingNftablesTransport()
        let check = MACSpoofCheck(transport: transport)
        try check.add(network: "n", attachment: attachment("a"), hostInterface: "veth0000000000a", mac: "02:00:00:00:00:0a")
        try check.add(network: "n", attachment: attachment("b"), hostInterface: "veth0000000000b", mac: "02:00:00:00:00:0b")
        let second = try #require(transport.appliedBatches.last)
        #expect(second.operations.count == 2)
        #expect(second.operations.allSatisfy { if case .addElements = $0 { true } else { false } })
        try check.check(network: "n", attachment: attachment("b"), hostInterface: "veth0000000000b", mac: "02:00:00:00:00:0b")

        for (id, port) in [("a", "veth0000000000a"), ("b", "veth0000000000b")] {
            try check.remove(network: "n", attachment: attachment(id), hostInterface: port)
        }
        #expect(transport.state.sets.values.allSatisfy { $0.isEmpty })
        #expect(transport.state.chains.isEmpty, "the last port's DEL removes the network's chains")
    }
}

@Suite("MACSpoofCheck DEL cost")
struct MACSpoofCheckDeleteCostTests {
    @Test("DEL of one port among many reads its port element and two keys, and lists no set")
    func deleteReadsByKey() throws {
        let transport = ReadCountingTransport()
        let check = MACSpoofCheck(transport: transport)
        for index in 1...30 {
            let hex = String(index, radix: 16)
            try check.add(network: "n", attachment: CNIProtocol.Attachment(containerID: "c\(index)", ifName: "eth0"),
                          hostInterface: "veth\(index)", mac: "02:00:00:00:00:" + (hex.count == 1 ? "0" + hex : hex))
        }
        transport.resetCounts()
        try check.remove(network: "n", attachment: CNIProtocol.Attachment(containerID: "c7", ifName: "eth0"), hostInterface: "veth7")
        #expect(transport.listedSets.isEmpty)
        #expect(transport.kernel.state.sets.values.allSatisfy { $0.count == 29 })
    }
}
