import CNIProtocol
import CNITestSupport
import Nftables
import Testing

@testable import BridgePlugin

/// DEL's firewall work is one transaction whatever the features (issue 11): the live firewall
/// over the recording kernel.
@Suite("NftablesFirewall.removeAttachment: every feature in one batch")
struct FirewallDetachmentTests {
    let one = CNIProtocol.Attachment(containerID: "one", ifName: "eth0")
    let two = CNIProtocol.Attachment(containerID: "two", ifName: "eth0")

    func guards(_ attachment: CNIProtocol.Attachment) -> TenancyGuards {
        TenancyGuards(network: "net1", bridge: "cni0", hostInterface: BridgeNaming.hostVethName(for: attachment),
                      ipSpoofCheck: true, isolate: true)
    }

    /// ADD of `attachment` with masquerade, the MAC check, both guards and a port mapping.
    func add(_ firewall: NftablesFirewall, _ attachment: CNIProtocol.Attachment, address: String, mac: String, port: UInt16) throws {
        let addresses = [IPAddress(address)!]
        _ = try firewall.addAttachment(FirewallAttachment(
            network: "net1", attachment: attachment, addresses: addresses, hostInterface: BridgeNaming.hostVethName(for: attachment),
            mac: mac, masquerade: .init(subnets: [IPNetwork("10.1.0.0/24")!], excluded: []), separateMACCheck: true,
            guards: guards(attachment)))
        try firewall.addPortMappings(PortMappingFirewall.Publication(
            network: "net1", attachment: attachment, mappings: [PortMapping(hostPort: port, containerPort: 80)], addresses: addresses,
            bridge: "cni0"))
    }

    func detachment(_ attachment: CNIProtocol.Attachment, address: String?, port: UInt16) -> FirewallDetachment {
        FirewallDetachment(network: "net1", attachment: attachment, addresses: address.map { [IPAddress($0)!] }, masquerade: true,
                           separateMACCheck: true,
                           portMappings: .init(mappings: [PortMapping(hostPort: port, containerPort: 80)], bridge: "cni0"),
                           guards: guards(attachment))
    }

    @Test("DEL with known addresses and with none: one batch each; the last also removes every network object",
          arguments: [true, false])
    func oneBatchPerDelete(addressesKnown: Bool) throws {
        let kernel = RecordingNftablesTransport()
        let firewall = NftablesFirewall(transport: kernel)
        try add(firewall, one, address: "10.1.0.2", mac: "02:00:00:00:00:02", port: 8080)
        try add(firewall, two, address: "10.1.0.3", mac: "02:00:00:00:00:03", port: 8081)
        let tablesBefore = kernel.state.chains.keys.filter { !$0.contains("portmap") }.count

        var start = kernel.attemptedBatches.count
        try firewall.removeAttachment(detachment(one, address: addressesKnown ? "10.1.0.2" : nil, port: 8080))
        #expect(kernel.attemptedBatches.count == start + 1)
        #expect(kernel.state.chains.keys.filter { !$0.contains("portmap") }.count == tablesBefore, "two still uses the networks")
        #expect(!kernel.state.sets.values.contains { $0.values.contains { $0.comment?.contains(OwnerTag.owner(network: "net1", attachment: one)) == true } })

        start = kernel.attemptedBatches.count
        try firewall.removeAttachment(detachment(two, address: addressesKnown ? "10.1.0.3" : nil, port: 8081))
        #expect(kernel.attemptedBatches.count == start + 1)
        #expect(kernel.state.chains.keys.allSatisfy { $0.contains("portmap") }, "\(kernel.state.chains.keys.sorted())")

        start = kernel.attemptedBatches.count
        try firewall.removeAttachment(detachment(two, address: String?.none, port: 8081))
        #expect(kernel.attemptedBatches.count == start, "a repeated DEL finds nothing and writes nothing")
    }
}
