import CNIProtocol
import CNITestSupport
import Testing

@testable import Nftables

private let network = "mynet"
private let one = CNIProtocol.Attachment(containerID: "one", ifName: "eth0")
private let two = CNIProtocol.Attachment(containerID: "two", ifName: "eth0")

/// Compares line by line so a failure names the first differing line.
private func expectSame(_ actual: String, _ golden: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let goldenLines = (golden + "\n").split(separator: "\n", omittingEmptySubsequences: false)
    for (index, (got, want)) in zip(actualLines, goldenLines).enumerated() where got != want {
        Issue.record("line \(index + 1):\n got: \(got)\nwant: \(want)", sourceLocation: sourceLocation)
        return
    }
    #expect(actualLines.count == goldenLines.count, "line count", sourceLocation: sourceLocation)
}

@Suite("Golden nftables batches (no kernel needed)")
struct BatchGoldenTests {
    @Test("Masquerade ADD: network objects, rewritten rules, element replaced with the owner comment")
    func masqueradeAdd() {
        let batch = MasqueradeFirewall.addBatch(
            network: network, attachment: one,
            addresses: [IPAddress("10.88.0.5")!, IPAddress("fd88::5")!],
            subnets: [IPNetwork("10.88.0.0/16")!, IPNetwork("fd88::/64")!], excluded: [IPNetwork("192.168.0.0/20")!])
        expectSame(batch.text, masqueradeAddGolden)
    }

    @Test("Masquerade DEL: one pinned element delete; the last DEL's batch also tears the network down")
    func masqueradeDelete() throws {
        let transport = RecordingNftablesTransport()
        let firewall = MasqueradeFirewall(transport: transport)
        let subnets = [IPNetwork("10.88.0.0/16")!]
        try firewall.add(network: network, attachment: one, addresses: [IPAddress("10.88.0.5")!], subnets: subnets)
        try firewall.add(network: network, attachment: two, addresses: [IPAddress("10.88.0.6")!], subnets: subnets)
        let start = transport.attemptedBatches.count
        try firewall.remove(network: network, attachment: one, addresses: [IPAddress("10.88.0.5")!])
        let first = Array(transport.attemptedBatches[start...])
        #expect(first.count == 1, "no teardown attempt while two still jumps to the chain")
        expectSame(first[0].text, masqueradeDeleteGolden)

        let beforeLast = transport.attemptedBatches.count
        try firewall.remove(network: network, attachment: two)
        #expect(transport.attemptedBatches.count == beforeLast + 1, "the element and the network go in one batch")
        expectSameText(transport.appliedBatches.last?.text ?? "", masqueradeLastDeleteGolden)
        #expect(transport.state.chains.isEmpty && transport.state.sets.isEmpty)
    }

    @Test("MAC spoof-check ADD: port map element and allowed ifname . MAC element")
    func spoofCheckAdd() throws {
        let batch = try MACSpoofCheck.addBatch(network: network, attachment: one, hostInterface: "veth1", mac: "02:42:0a:58:00:05")
        expectSame(batch.text, spoofCheckAddGolden)
    }

    @Test("GC deletes exactly the elements of attachments that are not valid, in one pinned batch")
    func garbageCollect() throws {
        let transport = RecordingNftablesTransport()
        let firewall = MasqueradeFirewall(transport: transport)
        let subnets = [IPNetwork("10.88.0.0/16")!]
        try firewall.add(network: network, attachment: one, addresses: [IPAddress("10.88.0.5")!], subnets: subnets)
        try firewall.add(network: network, attachment: two, addresses: [IPAddress("10.88.0.6")!, IPAddress("fd88::6")!], subnets: subnets)
        let start = transport.attemptedBatches.count
        try firewall.garbageCollect(network: network, valid: [one])
        let gc = transport.attemptedBatches[start]
        expectSame(gc.text, #"""
            # only at ruleset generation 3
            # nft delete element inet nsbridge nsb-d69fc4dfc8673696-src4 { 10.88.0.6 }
            nsb-d69fc4dfc8673696-src4 nsbridge 8
            	element 0600580a  : 0 [end]
            # nft delete element inet nsbridge nsb-d69fc4dfc8673696-src6 { fd88::6 }
            nsb-d69fc4dfc8673696-src6 nsbridge 8
            	element 000088fd 00000000 00000000 06000000  : 0 [end]
            """#)
    }
}
