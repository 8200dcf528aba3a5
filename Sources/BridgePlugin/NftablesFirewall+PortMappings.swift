import CNIProtocol
import Nftables

extension NftablesFirewall {
    var portMappings: PortMappingFirewall { PortMappingFirewall(transport: transport) }

    func addPortMappings(_ publication: PortMappingFirewall.Publication) throws {
        try portMappings.add(publication)
    }

    func removePortMappings(network: String, attachment: Attachment, mappings: [PortMapping]?, addresses: [IPAddress]?,
                            bridge: String) throws {
        try portMappings.remove(network: network, attachment: attachment, mappings: mappings, addresses: addresses, bridge: bridge)
    }

    func checkPortMappings(_ publication: PortMappingFirewall.Publication) throws {
        try portMappings.check(publication)
    }

    func garbageCollectPortMappings(network: String, keep: Set<Attachment>) throws {
        try portMappings.garbageCollect(network: network, valid: keep)
    }
}

/// A host port held by another attachment: code 105, naming the holder.
extension PortMappingConflict: CNIErrorConvertible {
    public var cniError: CNIError {
        CNIError(.portConflict, description,
                 details: "choose another host port, or remove the holder (DEL or GC of its network)")
    }
}

extension CNIError.Code {
    /// 105: a requested host port, protocol and host address is already mapped to another
    /// attachment on an nsbridge network.
    public static let portConflict = CNIError.Code(rawValue: 105)
}
