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
