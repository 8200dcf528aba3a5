import CNIProtocol

/// What `ipspoofchk` and `isolate` need to know of a network, for the ``Firewall`` seam.
public struct TenancyGuards: Equatable, Sendable {
    public var network: String
    public var bridge: String
    /// The host-side veth of the attachment at hand (unused by GC).
    public var hostInterface: String
    public var ipSpoofCheck: Bool
    public var isolate: Bool

    public init(network: String, bridge: String, hostInterface: String, ipSpoofCheck: Bool, isolate: Bool) {
        self.network = network
        self.bridge = bridge
        self.hostInterface = hostInterface
        self.ipSpoofCheck = ipSpoofCheck
        self.isolate = isolate
    }

    public var isEmpty: Bool { !ipSpoofCheck && !isolate }
}

extension BridgeConfiguration {
    /// The guards of `attachment` on `network` under this configuration.
    func guards(network: String, attachment: Attachment) -> TenancyGuards {
        TenancyGuards(network: network, bridge: bridgeName, hostInterface: BridgeNaming.hostVethName(for: attachment),
                      ipSpoofCheck: ipSpoofCheck, isolate: isolate)
    }

    /// Both guards work on the container's addresses, so they need IPAM to know them.
    func validateTenancy(hasIPAM: Bool) throws(CNIError) {
        if ipSpoofCheck && !hasIPAM {
            throw CNIError(.invalidNetworkConfig, "\"ipspoofchk\" needs \"ipam\": without addresses every IP frame would be dropped")
        }
        if isolate && !hasIPAM {
            throw CNIError(.invalidNetworkConfig, "\"isolate\" needs \"ipam\": traffic towards the network is recognised by its addresses")
        }
        if ipSpoofCheck && !vlanTrunk.isEmpty {
            throw CNIError(.invalidNetworkConfig, "\"ipspoofchk\" cannot be used with \"vlanTrunk\": tagged frames are dropped by the check")
        }
    }

    /// `macspoofchk`'s own chain is programmed only without `ipspoofchk`, whose check chain
    /// tests the same source MAC first: one test per frame, and no second set to maintain on
    /// every ADD and DEL. GC still collects the MAC check's state either way.
    var needsSeparateMACCheck: Bool { macSpoofCheck && !ipSpoofCheck }

    /// Whether ADD, DEL, CHECK, GC and STATUS need nftables at all.
    var usesFirewall: Bool { ipMasq || macSpoofCheck || ipSpoofCheck || isolate || portMappings.enabled }
}
