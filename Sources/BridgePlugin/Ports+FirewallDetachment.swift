import CNIProtocol
import Nftables

/// What DEL removes from the firewall for one attachment, in one call (see
/// ``Firewall/removeAttachment(_:)``). Forwarding acceptance is always removed: ADD may have
/// added it whatever the configuration.
public struct FirewallDetachment {
    /// The runtime's port mappings, when the network declares the capability.
    public struct PortMappings {
        /// `nil` when the runtime no longer passes them; the elements are then found by owner.
        public var mappings: [PortMapping]?
        public var bridge: String

        public init(mappings: [PortMapping]?, bridge: String) {
            self.mappings = mappings
            self.bridge = bridge
        }
    }

    public var network: String
    public var attachment: Attachment
    /// From IPAM when still known; they let DEL read only those entries.
    public var addresses: [IPAddress]?
    public var masquerade: Bool
    /// `macspoofchk` without `ipspoofchk` (whose check covers the source MAC).
    public var separateMACCheck: Bool
    public var portMappings: PortMappings?
    public var guards: TenancyGuards

    public init(network: String, attachment: Attachment, addresses: [IPAddress]?, masquerade: Bool, separateMACCheck: Bool,
                portMappings: PortMappings?, guards: TenancyGuards) {
        self.network = network
        self.attachment = attachment
        self.addresses = addresses
        self.masquerade = masquerade
        self.separateMACCheck = separateMACCheck
        self.portMappings = portMappings
        self.guards = guards
    }
}

extension Firewall {
    /// Removes `request` one feature after another. ``NftablesFirewall`` does it in one
    /// transaction instead; this default serves firewalls that keep per-feature state.
    public func removeAttachment(_ request: FirewallDetachment) throws {
        let (network, attachment, addresses) = (request.network, request.attachment, request.addresses)
        if request.masquerade { try removeMasquerade(network: network, attachment: attachment, addresses: addresses) }
        if request.separateMACCheck { try removeSpoofCheck(network: network, attachment: attachment) }
        if let ports = request.portMappings {
            try removePortMappings(network: network, attachment: attachment, mappings: ports.mappings, addresses: addresses,
                                   bridge: ports.bridge)
        }
        if !request.guards.isEmpty { try removeGuards(request.guards, attachment: attachment, addresses: addresses) }
        try removeForwarding(network: network, attachment: attachment)
    }
}
