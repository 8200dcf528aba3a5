import CNIProtocol
import CNITestSupport
import Testing

@testable import Nftables

/// The batches of forwarding acceptance, as `nft` commands and libnftnl's rendering (see
/// ForwardingGoldens.swift), on a fake host where iptables-nft made `ip filter` with `FORWARD`.
@Suite("Golden forwarding-acceptance batches (no kernel needed)")
struct ForwardingGoldenTests {
    private let one = CNIProtocol.Attachment(containerID: "one", ifName: "eth0")

    private func iptablesHost() throws -> RecordingNftablesTransport {
        let transport = RecordingNftablesTransport()
        let table = Table(family: .ipv4, name: "filter")
        let forward = Chain(table: table, name: "FORWARD", hook: Chain.Hook(type: "filter", hook: 2, priority: 0, policy: .drop))
        try transport.apply(Batch([.addTable(table), .addChain(forward)]))
        return transport
    }

    @Test("First ADD on a host with ip filter FORWARD: chains, jumps, the network's rules, the membership element")
    func firstAdd() throws {
        let transport = try iptablesHost()
        try ForwardingAcceptance(transport: transport).add(network: "mynet", attachment: one, bridge: "cni0", hostInterface: "veth1")
        expectSameText(transport.appliedBatches.last?.text ?? "", forwardingAddGolden)
    }

    @Test("The conntrack match carries xt_conntrack_mtinfo3 for --ctstate RELATED,ESTABLISHED,DNAT, padded to 168 bytes")
    func conntrackInfo() {
        let info = ForwardingAcceptance.conntrackStateInfo
        #expect(info.count == 168)
        #expect(Array(info[146..<152]) == [1, 0, 0, 0, 0x86, 0], "match_flags = XT_CONNTRACK_STATE, state_mask = 0x86")
        #expect(info.enumerated().allSatisfy { [146, 150].contains($0.offset) || $0.element == 0 }, "\(info)")
    }

    @Test("Last DEL: membership element, the network's rules, our jump and chains in one batch, pinned and guarded by EBUSY")
    func lastDelete() throws {
        let transport = try iptablesHost()
        let forwarding = ForwardingAcceptance(transport: transport)
        try forwarding.add(network: "mynet", attachment: one, bridge: "cni0", hostInterface: "veth1")
        let start = transport.appliedBatches.count
        try forwarding.remove(network: "mynet", attachment: one, hostInterface: "veth1")
        let text = transport.appliedBatches[start...].map(\.text).joined(separator: "\n")
        expectSameText(text, forwardingDeleteGolden)
        #expect(transport.state.chains == ["ip filter FORWARD": []])
    }
}

/// Compares line by line so a failure names the first differing line, and prints the whole text.
func expectSameText(_ actual: String, _ golden: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let goldenLines = (golden + "\n").split(separator: "\n", omittingEmptySubsequences: false)
    for (index, (got, want)) in zip(actualLines, goldenLines).enumerated() where got != want {
        Issue.record("line \(index + 1):\n got: \(got)\nwant: \(want)\nwhole text:\n\(actual)", sourceLocation: sourceLocation)
        return
    }
    #expect(actualLines.count == goldenLines.count, "line count; whole text:\n\(actual)", sourceLocation: sourceLocation)
}
