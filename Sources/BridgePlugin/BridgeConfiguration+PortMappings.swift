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
        enabled = try JSONFields(configuration.raw).object("capabilities")?.bool("portMappings") ?? false
        let runtime = JSONFields(configuration.runtimeConfig, at: "runtimeConfig")
        guard enabled, runtime.present("portMappings") != nil else { return }
        var mappings: [PortMapping] = []
        for (index, entry) in try runtime.array("portMappings").enumerated() {
            mappings.append(try Self.mapping(runtime.element(entry, of: "portMappings", at: index)))
        }
        self.mappings = mappings
    }

    /// The mappings to program (none when the runtime passed none).
    var active: [PortMapping] { enabled ? mappings ?? [] : [] }

    private static func mapping(_ fields: JSONFields) throws(CNIError) -> PortMapping {
        let hostPort = try port(fields, "hostPort")
        let containerPort = try port(fields, "containerPort")
        let protocolName = (try fields.string("protocol") ?? "").lowercased()
        guard let transport = protocolName.isEmpty ? .tcp : PortMapping.TransportProtocol(rawValue: protocolName) else {
            throw fields.failure(fields.label("protocol"), "\"\(protocolName)\" is not tcp, udp or sctp")
        }
        return PortMapping(hostPort: hostPort, containerPort: containerPort, transport: transport,
                           hostIP: try fields.address("hostIP"))
    }

    /// A required port number, 1–65535.
    private static func port(_ fields: JSONFields, _ name: String) throws(CNIError) -> UInt16 {
        guard let number = try fields.integer(name, in: 1...65535) else { throw fields.failure(fields.label(name), "is missing") }
        return UInt16(number)
    }
}
