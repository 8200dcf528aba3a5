import CNIProtocol
import Nftables

/// The `portMappings` capability: `"capabilities": {"portMappings": true}` in the network
/// configuration lets the runtime pass `runtimeConfig.portMappings`,
/// `[{"hostPort", "containerPort", "protocol", "hostIP"}]`. Keys match as Go's `encoding/json`
/// matches them, so containerd's `HostPort`/`ContainerPort`/`Protocol`/`HostIP` work.
///
/// Without the capability nothing is read or programmed, so a chain that keeps the reference
/// `portmap` plugin after nsbridge behaves as before.
struct PortMappingSettings: Equatable, Sendable {
    /// The configuration declares the capability.
    var enabled = false
    /// The runtime's mappings; `nil` when it passed none (DEL then finds them by owner).
    var mappings: [PortMapping]?

    init() {}

    init(_ configuration: NetworkConfiguration) throws(CNIError) {
        let capabilities = ConfigurationKeys(try Self.object(configuration.raw.member("capabilities"), key: "capabilities"))
        enabled = try capabilities.bool("portMappings")
        guard enabled, let list = configuration.runtimeConfig.member("portMappings"), !list.isNull else { return }
        guard let entries = list.arrayValue else {
            throw CNIError(.invalidNetworkConfig, "\"runtimeConfig.portMappings\" must be a list, not \(list.typeName) \(list.serialized())")
        }
        var mappings: [PortMapping] = []
        for (index, entry) in entries.enumerated() {
            mappings.append(try Self.mapping(entry, key: "runtimeConfig.portMappings[\(index)]"))
        }
        self.mappings = mappings
    }

    /// The mappings to program (none when the runtime passed none).
    var active: [PortMapping] { enabled ? mappings ?? [] : [] }

    private static func object(_ value: JSONValue?, key: String) throws(CNIError) -> [String: JSONValue] {
        guard let value, !value.isNull else { return [:] }
        guard let object = value.objectValue else {
            throw CNIError(.invalidNetworkConfig, "\"\(key)\" must be an object, not \(value.typeName) \(value.serialized())")
        }
        return object
    }

    private static func mapping(_ entry: JSONValue, key: String) throws(CNIError) -> PortMapping {
        let fields = ConfigurationKeys(try object(entry, key: key))
        let hostPort = try port(fields, "hostPort", of: key)
        let containerPort = try port(fields, "containerPort", of: key)
        let protocolName = (try fields.string("protocol") ?? "").lowercased()
        guard let transport = protocolName.isEmpty ? .tcp : PortMapping.TransportProtocol(rawValue: protocolName) else {
            throw CNIError(.invalidNetworkConfig, "\"\(key).protocol\" \"\(protocolName)\" is not tcp, udp or sctp")
        }
        var hostIP: IPAddress?
        if let text = try fields.string("hostIP"), !text.isEmpty {
            guard let address = IPAddress(text) else {
                throw CNIError(.invalidNetworkConfig, "\"\(key).hostIP\" \"\(text)\" is not an IP address")
            }
            hostIP = address
        }
        return PortMapping(hostPort: hostPort, containerPort: containerPort, transport: transport, hostIP: hostIP)
    }

    /// A required port number, 1–65535.
    private static func port(_ fields: ConfigurationKeys, _ name: String, of key: String) throws(CNIError) -> UInt16 {
        guard let value = fields.members.member(name), !value.isNull else {
            throw CNIError(.invalidNetworkConfig, "\"\(key).\(name)\" is missing")
        }
        guard let number = value.integerValue, (1...65535).contains(number) else {
            throw CNIError(.invalidNetworkConfig, "\"\(key).\(name)\" must be a port number 1–65535, not \(value.serialized())")
        }
        return UInt16(number)
    }
}
