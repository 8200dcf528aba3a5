import CNIProtocol
import Nftables

/// Everything ADD programs in nftables for one attachment, except port mappings and forwarding
/// acceptance: masquerade, the separate MAC check, `ipspoofchk` and `isolate`.
public struct FirewallAttachment: Sendable {
    /// What masquerade needs beyond the attachment's addresses.
    public struct Masquerade: Equatable, Sendable {
        public var subnets: [IPNetwork]
        public var excluded: [IPNetwork]

        public init(subnets: [IPNetwork], excluded: [IPNetwork]) {
            self.subnets = subnets
            self.excluded = excluded
        }
    }

    public var network: String
    public var attachment: Attachment
    public var addresses: [IPAddress]
    /// The host-side veth, the bridge port.
    public var hostInterface: String
    /// The container interface's MAC, `xx:xx:xx:xx:xx:xx`.
    public var mac: String
    /// `nil` without `ipMasq`.
    public var masquerade: Masquerade?
    /// `macspoofchk` without `ipspoofchk` (whose check covers the source MAC).
    public var separateMACCheck: Bool
    public var guards: TenancyGuards
}

extension Firewall {
    /// Firewalls without a kernel connection have nothing to release.
    public func release() {}

    /// Programs `request` one feature after another. ``NftablesFirewall`` does it in one
    /// transaction instead; this default serves firewalls that keep per-feature state.
    /// - Returns: `true` when the network's masquerade chains were missing and have been created.
    public func addAttachment(_ request: FirewallAttachment) throws -> Bool {
        var created = false
        if let masquerade = request.masquerade {
            created = try addMasquerade(network: request.network, attachment: request.attachment, addresses: request.addresses,
                                        subnets: masquerade.subnets, excluded: masquerade.excluded)
        }
        if request.separateMACCheck {
            try addSpoofCheck(network: request.network, attachment: request.attachment,
                              hostInterface: request.hostInterface, mac: request.mac)
        }
        if !request.guards.isEmpty {
            try addGuards(request.guards, attachment: request.attachment, mac: request.mac, addresses: request.addresses)
        }
        return created
    }
}

extension NftablesFirewall {
    /// One read round, one batch: see `NetworkAddition`.
    func addAttachment(_ request: FirewallAttachment) throws -> Bool {
        var parts: [NetworkPart] = []
        if let masquerade = request.masquerade {
            parts.append(MasqueradeFirewall.part(network: request.network, attachment: request.attachment,
                                                 addresses: request.addresses, subnets: masquerade.subnets,
                                                 excluded: masquerade.excluded))
        }
        if request.separateMACCheck {
            parts.append(try MACSpoofCheck.part(network: request.network, attachment: request.attachment,
                                                hostInterface: request.hostInterface, mac: request.mac))
        }
        parts += try guardParts(request.guards, attachment: request.attachment, mac: request.mac, addresses: request.addresses)
        let rebuilt = try NetworkAddition(transport: transport).add(parts)
        return request.masquerade != nil && rebuilt[0]
    }
}
