import CNIProtocol
import Glibc
import CNITestSupport
import Testing

@testable import Nftables

/// DEL of Podman's chain (masquerade, a port mapping, forwarding acceptance on a host whose
/// iptables-nft made `ip filter FORWARD`) as one batch: ``AttachmentRemoval``.
@Suite("Golden DEL batch of every firewall feature at once (no kernel needed)")
struct AttachmentRemovalGoldenTests {
    private let one = CNIProtocol.Attachment(containerID: "one", ifName: "eth0")
    private let two = CNIProtocol.Attachment(containerID: "two", ifName: "eth0")
    private let subnets = [IPNetwork("10.88.0.0/16")!]

    /// A host with `ip filter FORWARD`, and `one` (10.88.0.5, veth1) and `two` (10.88.0.6,
    /// veth2) attached with masquerade, forwarding acceptance and one port mapping each.
    private func twoAttached() throws -> RecordingNftablesTransport {
        let transport = RecordingNftablesTransport()
        let filter = Table(family: .ipv4, name: "filter")
        let forward = Chain(table: filter, name: "FORWARD", hook: Chain.Hook(type: "filter", hook: 2, priority: 0, policy: .drop))
        try transport.apply(Batch([.addTable(filter), .addChain(forward)]))
        for (attachment, address, veth, port) in [(one, "10.88.0.5", "veth1", UInt16(8080)), (two, "10.88.0.6", "veth2", 8081)] {
            let addresses = [IPAddress(address)!]
            try MasqueradeFirewall(transport: transport).add(network: "mynet", attachment: attachment, addresses: addresses, subnets: subnets)
            try PortMappingFirewall(transport: transport).add(PortMappingFirewall.Publication(
                network: "mynet", attachment: attachment, mappings: [PortMapping(hostPort: port, containerPort: 80)],
                addresses: addresses, bridge: "cni0"))
            try ForwardingAcceptance(transport: transport).add(network: "mynet", attachment: attachment, bridge: "cni0", hostInterface: veth)
        }
        return transport
    }

    private func parts(_ transport: RecordingNftablesTransport, _ attachment: CNIProtocol.Attachment, address: String,
                       port: UInt16, veth: String) -> [RemovalPart] {
        let addresses = [IPAddress(address)!]
        return [
            MasqueradeFirewall.removal(network: "mynet", attachment: attachment, addresses: addresses),
            PortMappingFirewall.removal(network: "mynet", attachment: attachment, mappings: [PortMapping(hostPort: port, containerPort: 80)],
                                        addresses: addresses, bridge: "cni0"),
            ForwardingAcceptance(transport: transport).removal(network: "mynet", attachment: attachment, hostInterface: veth),
        ].compactMap { $0 }
    }

    @Test("DEL of one of two: its masquerade, port-mapping, hairpin and membership elements in one pinned batch")
    func oneOfTwo() throws {
        let transport = try twoAttached()
        let start = transport.attemptedBatches.count
        try AttachmentRemoval(transport: transport).remove(parts(transport, one, address: "10.88.0.5", port: 8080, veth: "veth1"))
        #expect(transport.attemptedBatches.count == start + 1)
        expectSameText(transport.attemptedBatches.last?.text ?? "", removalOneOfTwoGolden)
    }

    @Test("DEL of the last: its elements, the network's masquerade objects and forwarding rules, one batch")
    func last() throws {
        let transport = try twoAttached()
        try AttachmentRemoval(transport: transport).remove(parts(transport, one, address: "10.88.0.5", port: 8080, veth: "veth1"))
        let start = transport.attemptedBatches.count
        try AttachmentRemoval(transport: transport).remove(parts(transport, two, address: "10.88.0.6", port: 8081, veth: "veth2"))
        #expect(transport.attemptedBatches.count == start + 1)
        expectSameText(transport.attemptedBatches.last?.text ?? "", removalLastGolden)
    }

    @Test("A transaction committed between the reads and the batch (ERESTART): read again, then one batch")
    func generationChanged() throws {
        let transport = try twoAttached()
        transport.injectedApplyErrors = [NftablesError("begin batch", errno: ERESTART)]
        let start = transport.attemptedBatches.count
        try AttachmentRemoval(transport: transport).remove(parts(transport, one, address: "10.88.0.5", port: 8080, veth: "veth1"))
        #expect(transport.attemptedBatches.count == start + 2)
        #expect(transport.attemptedBatches.last?.expectedGeneration == transport.attemptedBatches[start].expectedGeneration.map { $0 + 1 })
        #expect(transport.state.sets["inet nsbridge nsb-d69fc4dfc8673696-fwd"]?.count == 1, "only two's membership is left")
    }

    @Test("The kernel refuses the teardown (EBUSY): the elements go without it, the objects stay")
    func teardownRefused() throws {
        let transport = try twoAttached()
        try AttachmentRemoval(transport: transport).remove(parts(transport, one, address: "10.88.0.5", port: 8080, veth: "veth1"))
        transport.injectedApplyErrors = [NftablesError("delete chain", errno: EBUSY)]
        let start = transport.attemptedBatches.count
        try AttachmentRemoval(transport: transport).remove(parts(transport, two, address: "10.88.0.6", port: 8081, veth: "veth2"))
        let retry = try #require(transport.attemptedBatches.last)
        #expect(transport.attemptedBatches.count == start + 2)
        #expect(retry.operations.allSatisfy { if case .deleteElements = $0 { true } else { false } }, "\(retry.text)")
        #expect(transport.state.chains["inet nsbridge nsb-d69fc4dfc8673696-masquerade"] != nil)
        #expect(transport.state.sets["inet nsbridge nsb-d69fc4dfc8673696-src4"]?.isEmpty == true)
    }
}
