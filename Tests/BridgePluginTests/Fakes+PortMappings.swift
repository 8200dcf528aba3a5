import BridgePlugin
import CNIProtocol
import CNITestSupport
import Nftables

extension FakeFirewall {
    var portMapper: PortMappingFirewall { PortMappingFirewall(transport: portMappingKernel) }

    func addPortMappings(_ publication: PortMappingFirewall.Publication) throws {
        try portMapper.add(publication)
    }

    func removePortMappings(network: String, attachment: Attachment, mappings: [PortMapping]?, addresses: [IPAddress]?,
                            bridge: String) throws {
        try portMapper.remove(network: network, attachment: attachment, mappings: mappings, addresses: addresses, bridge: bridge)
    }

    func checkPortMappings(_ publication: PortMappingFirewall.Publication) throws {
        try portMapper.check(publication)
    }

    func garbageCollectPortMappings(network: String, keep: Set<Attachment>) throws {
        try portMapper.garbageCollect(network: network, valid: keep)
    }

    /// Every attachment-owned element in the port-mapping maps and sets, by set name.
    var portMappingElements: [String: [SetElement]] {
        // Owned elements only: not the ownerless marker that says the shared objects are set up.
        portMappingKernel.state.sets.filter { $0.key.contains("nsb-portmap-") }.mapValues { $0.values.filter { $0.comment != nil } }
            .filter { !$0.value.isEmpty }
    }
}

extension FakeDatapath {
    func enableLocalhostRouting(bridge: String) throws {
        journal.append("enableLocalhostRouting \(bridge)")
        if failAt == "enableLocalhostRouting" { throw InjectedFault.failed("enableLocalhostRouting") }
    }

    func forgetFlows(to mappings: [PortMapping]) throws {
        journal.append("forgetFlows \(mappings.map(\.description).joined(separator: ", "))")
        if failAt == "forgetFlows" { throw InjectedFault.failed("forgetFlows") }
    }
}
