import CNIProtocol
import CNITestSupport
import Testing

@testable import Nftables

private let one = CNIProtocol.Attachment(containerID: "one", ifName: "eth0")
private let two = CNIProtocol.Attachment(containerID: "two", ifName: "eth0")
private let web = PortMapping(hostPort: 8080, containerPort: 80)
private let dns = PortMapping(hostPort: 5353, containerPort: 53, transport: .udp, hostIP: IPAddress("192.0.2.1"))
private let oneAddresses = [IPAddress("10.88.0.5")!, IPAddress("fd88::5")!]

private func publication(_ attachment: CNIProtocol.Attachment, _ mappings: [PortMapping], network: String = "mynet",
                         addresses: [IPAddress] = oneAddresses) -> PortMappingFirewall.Publication {
    .init(network: network, attachment: attachment, mappings: mappings, addresses: addresses, bridge: "cni0")
}

private func expectSame(_ actual: String, _ golden: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let goldenLines = (golden + "\n").split(separator: "\n", omittingEmptySubsequences: false)
    for (index, (got, want)) in zip(actualLines, goldenLines).enumerated() where got != want {
        Issue.record("line \(index + 1):\n got: \(got)\nwant: \(want)", sourceLocation: sourceLocation)
        return
    }
    #expect(actualLines.count == goldenLines.count, "line count", sourceLocation: sourceLocation)
}

@Suite("Port mappings against the fake kernel")
struct PortMappingFirewallTests {
    @Test("First ADD: shared objects and the attachment's elements, in one batch pinned to the generation read")
    func addGolden() throws {
        let transport = RecordingNftablesTransport()
        try PortMappingFirewall(transport: transport).add(publication(one, [web, dns]))
        #expect(transport.appliedBatches.count == 1)
        expectSame(transport.appliedBatches[0].text, portMappingAddGolden)
    }

    @Test("DEL at the runtime's keys deletes exactly the attachment's elements")
    func deleteGolden() throws {
        let transport = RecordingNftablesTransport()
        let firewall = PortMappingFirewall(transport: transport)
        try firewall.add(publication(one, [web, dns]))
        try firewall.remove(network: "mynet", attachment: one, mappings: [web, dns], addresses: oneAddresses, bridge: "cni0")
        expectSame(transport.appliedBatches.last?.text ?? "", portMappingDeleteGolden)
    }

    @Test("With 1,000 mappings in place an ADD reads the ready marker and one element per key, no chain, adds only its elements, and the rule count stays the same")
    func constantRules() throws {
        let transport = ReadCountingTransport()
        let firewall = PortMappingFirewall(transport: transport)
        try firewall.add(publication(one, [web]))
        let rules = transport.state.chains.values.map(\.count).reduce(0, +)
        for index in 0..<1000 {
            let attachment = CNIProtocol.Attachment(containerID: "c\(index)", ifName: "eth0")
            try firewall.add(publication(attachment, [PortMapping(hostPort: UInt16(10000 + index), containerPort: 80)],
                                         addresses: [IPAddress("10.89.\(index / 250).\(index % 250 + 2)")!]))
        }
        #expect(transport.state.chains.values.map(\.count).reduce(0, +) == rules)
        let last = transport.appliedBatches.last?.operations ?? []
        #expect(last.allSatisfy { if case .addElements = $0 { return true } else { return false } }, "no rule or chain rewrite")
        #expect(last.count == 2, "one mapping element and one hairpin element")
        transport.reads = []
        try firewall.add(publication(two, [PortMapping(hostPort: 30000, containerPort: 80)], addresses: [IPAddress("10.88.0.9")!]))
        #expect(transport.reads == ["generation", "elements", "elements", "elements"], "marker, mapping, hairpin; no chain listed")
    }

    @Test("The ready marker is written last in the setup, has no owner, and does not keep GC from removing the objects")
    func readyMarker() throws {
        let transport = RecordingNftablesTransport()
        let firewall = PortMappingFirewall(transport: transport)
        try firewall.add(publication(one, [web]))
        let marker = PortMappingObjects.readyMarker
        guard case .addElements(let set, let elements) = PortMappingObjects.setup().last else {
            Issue.record("the setup does not end with the marker")
            return
        }
        #expect(set == marker.set && elements == [marker.element] && marker.element.comment == nil)
        try firewall.remove(network: "mynet", attachment: one, mappings: nil, addresses: nil, bridge: "cni0")
        #expect(try transport.elements(of: marker.set, keys: [marker.element.key]) == [marker.element], "DEL by owner leaves it")
        try firewall.garbageCollect(network: "mynet", valid: [])
        #expect(transport.state.chains.isEmpty && transport.state.sets.isEmpty)
    }

    @Test("A key held by another attachment, on any network, is a conflict naming the holder; nothing is applied")
    func conflict() throws {
        let transport = RecordingNftablesTransport()
        let firewall = PortMappingFirewall(transport: transport)
        try firewall.add(publication(one, [web]))
        let applied = transport.appliedBatches.count
        let error = #expect(throws: PortMappingConflict.self) {
            try firewall.add(publication(two, [PortMapping(hostPort: 9090, containerPort: 90), web], network: "other",
                                         addresses: [IPAddress("10.90.0.2")!]))
        }
        #expect(error?.holder == "net: mynet, if: eth0, id: one")
        #expect(error?.mapping == web)
        #expect(transport.appliedBatches.count == applied)
        #expect(throws: Never.self) {
            try firewall.add(publication(two, [PortMapping(hostPort: 8080, containerPort: 80, transport: .udp)], network: "other"))
        }
    }

    @Test("Re-ADD of the same attachment is not a conflict")
    func readd() throws {
        let transport = RecordingNftablesTransport()
        let firewall = PortMappingFirewall(transport: transport)
        try firewall.add(publication(one, [web]))
        try firewall.add(publication(one, [web]))
        #expect(transport.appliedBatches.count == 1, "nothing to change the second time")
    }

    @Test("DEL without the mappings or addresses finds the attachment's elements by owner")
    func deleteByOwner() throws {
        let transport = RecordingNftablesTransport()
        let firewall = PortMappingFirewall(transport: transport)
        try firewall.add(publication(one, [web, dns]))
        try firewall.add(publication(two, [PortMapping(hostPort: 9090, containerPort: 90)], addresses: [IPAddress("10.88.0.6")!]))
        try firewall.remove(network: "mynet", attachment: one, mappings: nil, addresses: nil, bridge: "cni0")
        let comments = transport.state.sets.values.flatMap(\.values).compactMap(\.comment)
        #expect(comments.count == 2 && comments.allSatisfy { $0.hasSuffix("id: two") })
        try firewall.remove(network: "mynet", attachment: one, mappings: nil, addresses: nil, bridge: "cni0")
    }

    @Test("CHECK names missing chains and elements after a flush; the next ADD restores them")
    func checkAfterFlush() throws {
        let transport = RecordingNftablesTransport()
        let firewall = PortMappingFirewall(transport: transport)
        try firewall.add(publication(one, [web]))
        try firewall.check(publication(one, [web]))
        transport.flushRuleset()
        let error = #expect(throws: MissingFirewallState.self) { try firewall.check(publication(one, [web])) }
        #expect(error?.missing.contains { $0.contains("nsb-portmap-dnat") } == true)
        #expect(error?.missing.contains { $0.contains("tcp 8080 -> 80") } == true)
        try firewall.add(publication(one, [web]))
        try firewall.check(publication(one, [web]))
    }

    @Test("GC removes the network's stale elements only, and the objects once nothing is mapped")
    func garbageCollect() throws {
        let transport = RecordingNftablesTransport()
        let firewall = PortMappingFirewall(transport: transport)
        try firewall.add(publication(one, [web]))
        try firewall.add(publication(two, [dns], network: "other"))
        try firewall.garbageCollect(network: "mynet", valid: [])
        #expect(transport.state.sets.values.flatMap(\.values).allSatisfy {
            $0.comment?.contains("net: other") == true || $0 == PortMappingObjects.readyMarker.element
        })
        #expect(!transport.state.chains.isEmpty, "other still maps a port")
        try firewall.garbageCollect(network: "other", valid: [])
        #expect(transport.state.chains.isEmpty && transport.state.sets.isEmpty)
    }
}
