import CNIProtocol

/// The bridge plugin's own configuration keys, decoded and validated.
///
/// Every key of the reference `bridge` plugin is accepted with the same default. Invalid values
/// and invalid combinations are code 7, and the message names the keys involved.
public struct BridgeConfiguration: Equatable, Sendable {
    public var bridgeName = "cni0"
    public var isGateway = false
    public var isDefaultGateway = false
    public var forceAddress = false
    public var ipMasq = false
    /// Destinations that are never masqueraded, beyond the network's own subnets.
    public var ipMasqExclude: [IPNetwork] = []
    public var mtu: Int?
    public var hairpinMode = false
    public var promiscMode = false
    /// IGMP/MLD snooping on a bridge nsbridge creates (`multicastSnooping`, default false). A
    /// bridge floods multicast to every port anyway unless a querier runs on it, and no CNI
    /// network has one; with snooping on, the kernel still re-arms two query timers per port at
    /// every port's state change, so each ADD and DEL did work in proportion to the ports.
    public var multicastSnooping = false
    /// Access VLAN on the host port; 0 means none.
    public var vlan = 0
    public var vlanTrunk: [ClosedRange<Int>] = []
    /// Keep VLAN 1 on a VLAN port; true by default, as upstream's bridge documents it.
    public var preserveDefaultVlan = true
    public var enableDAD = false
    public var disableContainerInterface = false
    public var portIsolation = false
    public var macSpoofCheck = false
    /// `ipspoofchk`: frames from a container must carry its MAC and its addresses (IP, ARP, ND).
    public var ipSpoofCheck = false
    /// `isolate`: no forwarding between this network and any other nsbridge network.
    public var isolate = false
    /// The requested container MAC: `runtimeConfig.mac` > `args.cni.mac` > `CNI_ARGS MAC=`.
    public var requestedMAC: MACAddress?
    /// The `portMappings` capability and the runtime's mappings.
    var portMappings = PortMappingSettings()
    /// Traffic shaping (the `bandwidth` capability); nil when nothing is shaped.
    public var bandwidth: BandwidthLimits?
    /// Whether attachments of this network may have been shaped, so DEL looks for an ifb.
    public var mayShapeTraffic = false

    public init() {}

    /// Decodes and validates the keys from a request.
    public init(_ request: PluginRequest) throws(CNIError) {
        let keys = JSONFields(request.configuration.raw)
        bridgeName = try keys.string("bridge") ?? "cni0"
        isDefaultGateway = try keys.bool("isDefaultGateway")
        isGateway = try keys.bool("isGateway") || isDefaultGateway
        forceAddress = try keys.bool("forceAddress")
        ipMasq = try keys.bool("ipMasq")
        ipMasqExclude = try keys.networks("ipMasqExclude")
        mtu = try keys.integer("mtu", in: 0...65535).flatMap { $0 == 0 ? nil : $0 }
        hairpinMode = try keys.bool("hairpinMode")
        promiscMode = try keys.bool("promiscMode")
        multicastSnooping = try keys.bool("multicastSnooping")
        vlan = try keys.integer("vlan", in: 0...4094) ?? 0
        vlanTrunk = try keys.vlanTrunk("vlanTrunk")
        preserveDefaultVlan = try keys.bool("preserveDefaultVlan", default: true)
        enableDAD = try keys.bool("enabledad")
        disableContainerInterface = try keys.bool("disableContainerInterface")
        portIsolation = try keys.bool("portIsolation")
        macSpoofCheck = try keys.bool("macspoofchk")
        ipSpoofCheck = try keys.bool("ipspoofchk")
        isolate = try keys.bool("isolate")
        requestedMAC = try Self.requestedMAC(request)
        portMappings = try PortMappingSettings(request.configuration)
        bandwidth = try BandwidthLimits(request.configuration)
        mayShapeTraffic = bandwidth != nil || BandwidthLimits.mayShape(request.configuration)
        _ = try LogSettings(configuration: request.configuration.raw)
        try validate(hasIPAM: !(request.configuration.ipam?.member("type")?.stringValue ?? "").isEmpty)
    }

    private func validate(hasIPAM: Bool) throws(CNIError) {
        try BridgeNaming.validateLinkName(bridgeName, key: "bridge")
        if hairpinMode && promiscMode {
            throw CNIError(.invalidNetworkConfig, "\"hairpinMode\" and \"promiscMode\" cannot both be true")
        }
        if disableContainerInterface && hasIPAM {
            throw CNIError(
                .invalidNetworkConfig,
                "\"disableContainerInterface\" cannot be used with \"ipam\": addresses need an interface that is up")
        }
        if vlan != 0 && vlanTrunk.contains(where: { $0.contains(vlan) }) {
            throw CNIError(.invalidNetworkConfig, "\"vlan\" \(vlan) must not also be listed in \"vlanTrunk\"")
        }
        if ipMasq && !hasIPAM {
            throw CNIError(.invalidNetworkConfig, "\"ipMasq\" needs \"ipam\": there are no addresses to masquerade")
        }
        try validateTenancy(hasIPAM: hasIPAM)
        if (isGateway || isDefaultGateway) && !hasIPAM {
            throw CNIError(.invalidNetworkConfig, "\"isGateway\" and \"isDefaultGateway\" need \"ipam\" to know the gateway")
        }
    }

    private static func requestedMAC(_ request: PluginRequest) throws(CNIError) -> MACAddress? {
        let candidates: [(String, String?)] = [
            ("runtimeConfig.mac", request.configuration.runtimeConfig.member("mac")?.stringValue),
            ("args.cni.mac", request.configuration.args.member("cni")?["mac"]?.stringValue),
            ("CNI_ARGS MAC", request.arguments["MAC"]),
        ]
        guard let (source, text) = candidates.first(where: { $0.1 != nil && $0.1 != "" }), let text else { return nil }
        guard let mac = MACAddress(text), mac.isUnicast else {
            throw CNIError(.invalidNetworkConfig, "\(source) \"\(text)\" is not a unicast MAC address")
        }
        return mac
    }

    /// True when the host port needs VLAN filtering on the bridge.
    public var usesVLANs: Bool { vlan != 0 || !vlanTrunk.isEmpty }
}

/// The bridge plugin's list-shaped keys, read with the common accessor.
extension JSONFields {
    func networks(_ key: String) throws(CNIError) -> [IPNetwork] {
        var networks: [IPNetwork] = []
        for item in try value(key, as: [JSONValue].self, expecting: "a list of CIDRs") ?? [] {
            guard let text = item.stringValue, let network = IPNetwork(text) else {
                throw failure(label(key), "\(item.serialized()) is not a CIDR such as 10.0.0.0/8")
            }
            networks.append(network.masked)
        }
        return networks
    }

    func vlanTrunk(_ key: String) throws(CNIError) -> [ClosedRange<Int>] {
        var ranges: [ClosedRange<Int>] = []
        for (index, item) in (try value(key, as: [JSONValue].self, expecting: "a list of {id} or {minID, maxID}") ?? []).enumerated() {
            let entry = try element(item, of: key, at: index)
            let id = try entry.integer("id", in: 1...4094)
            let minID = try entry.integer("minID", in: 1...4094)
            let maxID = try entry.integer("maxID", in: 1...4094)
            if let id, minID == nil, maxID == nil {
                ranges.append(id...id)
            } else if id == nil, let minID, let maxID, minID <= maxID {
                ranges.append(minID...maxID)
            } else {
                throw failure(
                    label(key),
                    "\(item.serialized()) must be {\"id\": N} or {\"minID\": A, \"maxID\": B} with 1 ≤ A ≤ B ≤ 4094")
            }
        }
        return ranges
    }
}
