import CNIProtocol

/// One published port: traffic to `hostPort` (on `hostIP`, or on any local address of the host)
/// goes to `containerPort` on the container. This is one entry of the `portMappings`
/// capability (`{"hostPort", "containerPort", "protocol", "hostIP"}`).
public struct PortMapping: Hashable, Sendable, CustomStringConvertible {
    /// The layer 4 protocols a mapping can name, with their IP protocol numbers.
    public enum TransportProtocol: String, Hashable, Sendable, CaseIterable {
        case tcp, udp, sctp

        /// The IP protocol number (`IPPROTO_TCP` 6, `IPPROTO_UDP` 17, `IPPROTO_SCTP` 132).
        public var number: UInt8 {
            switch self {
            case .tcp: return 6
            case .udp: return 17
            case .sctp: return 132
            }
        }
    }

    public var hostPort: UInt16
    public var containerPort: UInt16
    public var transport: TransportProtocol
    /// The only destination address the mapping applies to; `nil` means every local address,
    /// and `0.0.0.0` or `::` every local address of that family.
    public var hostIP: IPAddress?

    public init(hostPort: UInt16, containerPort: UInt16, transport: TransportProtocol = .tcp, hostIP: IPAddress? = nil) {
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.transport = transport
        self.hostIP = hostIP
    }

    /// `tcp 8080 -> 80`, or `udp 10.0.0.1:53 -> 53`.
    public var description: String {
        let host = hostIP.map { $0.family == .v4 ? "\($0):" : "[\($0)]:" } ?? ""
        return "\(transport.rawValue) \(host)\(hostPort) -> \(containerPort)"
    }

    /// Whether the mapping applies to a container address of `family`: a mapping with a
    /// `hostIP` applies only to its own family, one without to both.
    public func applies(to family: IPFamily) -> Bool {
        hostIP.map { $0.family == family } ?? true
    }

    /// True when any local address (of the `hostIP`'s family, if given) is meant.
    public var isWildcard: Bool {
        hostIP.map { $0.bytes.allSatisfy { $0 == 0 } } ?? true
    }

    /// The key of the mapping in its map: `[hostIP .] protocol . port`, each field padded to 4 bytes.
    var key: [UInt8] {
        (isWildcard ? [] : hostIP?.bytes ?? []) + [transport.number, 0, 0, 0] + SetElement.portBytes(hostPort)
    }
}

extension SetElement {
    /// A port as an `inet_service` field of a concatenation: network order, padded to 4 bytes.
    static func portBytes(_ port: UInt16) -> [UInt8] {
        [UInt8(port >> 8), UInt8(port & 0xff), 0, 0]
    }
}

/// The name `nft` prints for a protocol number.
func protocolName(_ number: UInt8) -> String {
    PortMapping.TransportProtocol.allCases.first { $0.number == number }?.rawValue ?? String(number)
}

/// ADD refused a mapping because another attachment already holds the same host port,
/// protocol and host address, on this or another nsbridge network.
public struct PortMappingConflict: Error, Equatable, Sendable, CustomStringConvertible {
    public var mapping: PortMapping
    /// The holder as its element comment describes it (`net: …, if: …, id: …`).
    public var holder: String

    public init(mapping: PortMapping, holder: String) {
        self.mapping = mapping
        self.holder = holder
    }

    public var description: String {
        "host port \(mapping.description) is already mapped to another attachment (\(holder))"
    }
}
