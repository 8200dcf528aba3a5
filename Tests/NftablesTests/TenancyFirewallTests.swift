import CNIProtocol
import CNITestSupport
import Testing

@testable import Nftables

@Suite("ipspoofchk and isolate against the fake kernel")
struct TenancyFirewallTests {
    private func attachment(_ id: String) -> CNIProtocol.Attachment { CNIProtocol.Attachment(containerID: id, ifName: "eth0") }
    private func port(_ id: String, _ last: UInt8) -> PortAddresses {
        PortAddresses(name: "veth000000000\(id)", mac: [0x02, 0x42, 0x0a, 0x58, 0x00, last],
                      addresses: [IPAddress("10.88.0.\(last)")!, IPAddress("fd88::\(last)")!])
    }

    @Test("The link-local address is the kernel's EUI-64 one for the MAC")
    func linkLocal() {
        #expect(AddressSpoofCheck.linkLocal(mac: [0x02, 0x42, 0x0a, 0x58, 0x00, 0x05]).description == "fe80::42:aff:fe58:5")
        #expect(AddressSpoofCheck.linkLocal(mac: [0x0c, 0, 0, 0, 0, 1]).description == "fe80::e00:ff:fe00:1")
    }

    @Test("The port comment carries the MAC after the owner, even when the tail is cut to nft's limit")
    func portCommentRoundTrip() {
        let mac: [UInt8] = [0x02, 0x42, 0x0a, 0x58, 0x00, 0x05]
        let long = CNIProtocol.Attachment(containerID: String(repeating: "f", count: 200), ifName: "eth0")
        let owner = OwnerTag.owner(network: "n", attachment: long)
        let comment = OwnerTag.portComment(owner: owner, mac: mac, OwnerTag.elementComment(network: "n", attachment: long))
        #expect(comment.utf8.count <= commentByteLimit)
        #expect(OwnerTag.ownerPrefix(of: comment) == owner)
        #expect(OwnerTag.mac(inPortComment: comment) == mac)
        #expect(OwnerTag.mac(inPortComment: OwnerTag.elementComment(network: "n", attachment: long)) == nil)
    }

    @Test("ipspoofchk: a second port adds only its elements; DEL without the MAC removes all of them; the last DEL removes the network")
    func addressSpoofCheckLifecycle() throws {
        let transport = RecordingNftablesTransport()
        let check = AddressSpoofCheck(transport: transport)
        try check.add(network: "n", attachment: attachment("a"), port: port("a", 10))
        let rules = transport.state.chains.values.map(\.count).reduce(0, +)
        try check.add(network: "n", attachment: attachment("b"), port: port("b", 11))
        let second = try #require(transport.appliedBatches.last)
        #expect(second.operations.count == 5, "port, MAC, IPv4, IPv6 and link-local elements")
        #expect(second.operations.allSatisfy { if case .addElements = $0 { true } else { false } })
        #expect(transport.state.chains.values.map(\.count).reduce(0, +) == rules, "no rule per container")
        try check.check(network: "n", attachment: attachment("b"), port: port("b", 11))
        #expect(throws: MissingFirewallState.self) { try check.check(network: "n", attachment: attachment("a"), port: port("b", 11)) }

        try check.remove(network: "n", attachment: attachment("a"), port: "veth000000000a", addresses: port("a", 10).addresses)
        #expect(transport.state.sets.values.map(\.count).reduce(0, +) == 5, "only b's five elements remain")
        try check.remove(network: "n", attachment: attachment("b"), port: "veth000000000b", addresses: nil)
        #expect(transport.state.sets.values.allSatisfy { $0.isEmpty })
        #expect(transport.state.chains.isEmpty, "the last port's DEL removes the network's chains")
    }

    @Test("ipspoofchk GC drops the elements of attachments that are not valid")
    func addressSpoofCheckGarbageCollection() throws {
        let transport = RecordingNftablesTransport()
        let check = AddressSpoofCheck(transport: transport)
        try check.add(network: "n", attachment: attachment("a"), port: port("a", 10))
        try check.add(network: "n", attachment: attachment("b"), port: port("b", 11))
        try check.garbageCollect(network: "n", valid: [attachment("b")])
        try check.check(network: "n", attachment: attachment("b"), port: port("b", 11))
        #expect(throws: MissingFirewallState.self) { try check.check(network: "n", attachment: attachment("a"), port: port("a", 10)) }
    }

    @Test("isolate: elements per address, fast path on the second ADD, rebuilt when the bridge changes, gone with the last DEL")
    func isolationLifecycle() throws {
        let transport = RecordingNftablesTransport()
        let isolation = NetworkIsolation(transport: transport)
        let a = [IPAddress("10.88.0.10")!, IPAddress("fd88::10")!]
        try isolation.add(network: "n", attachment: attachment("a"), bridge: "br0", addresses: a)
        try isolation.add(network: "n", attachment: attachment("b"), bridge: "br0", addresses: [IPAddress("10.88.0.11")!])
        #expect(transport.appliedBatches.last?.operations.count == 1)
        try isolation.check(network: "n", attachment: attachment("a"), bridge: "br0", addresses: a)
        try isolation.add(network: "n", attachment: attachment("b"), bridge: "br1", addresses: [IPAddress("10.88.0.11")!])
        #expect((transport.appliedBatches.last?.operations.count ?? 0) > 1, "a new bridge name rewrites the rules")

        try isolation.remove(network: "n", attachment: attachment("a"), addresses: nil)
        try isolation.garbageCollect(network: "n", valid: [])
        #expect(transport.state.chains.isEmpty && transport.state.sets.isEmpty)
    }
}
