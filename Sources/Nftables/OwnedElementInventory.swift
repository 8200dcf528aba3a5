import CNIProtocol

/// One per-attachment element nsbridge keeps in nftables, as `nsbridge ls` and `repair` see it.
public struct OwnedElement: Sendable {
    /// What the element is for: `masquerade`, `forwarding acceptance`, `macspoofchk`,
    /// `ipspoofchk`, `isolate` or `port mapping`.
    public var purpose: String
    /// `inet nsbridge nsb-…-dst4`.
    public var setName: String
    /// `<network hash>-<attachment hash>`, nil for an element without an owner comment.
    public var owner: String?
    public var comment: String?
    /// The element as `nft` would print it (key, and data for a data map).
    public var text: String
    /// For port mappings: the container address the element sends traffic to.
    public var target: IPAddress?
    /// For spoof-check port elements: the container MAC the element allows.
    public var mac: String?
}

/// Reads every per-attachment element of some networks with one listing per map, for the
/// operator's tools. The CNI path never lists maps: it reads the keys it knows.
public struct OwnedElementInventory {
    let transport: any NftablesTransport

    public init(transport: any NftablesTransport) {
        self.transport = transport
    }

    /// The elements owned on each network, keyed by network name. Port-mapping maps are shared
    /// by all networks and are listed once; their elements go to the network of their owner.
    /// - Throws: `NftablesError`.
    public func elements(networks: [String]) throws -> [String: [OwnedElement]] {
        var byNetwork: [String: [OwnedElement]] = [:]
        for network in networks {
            byNetwork[network] = try Self.networkMaps(network).flatMap { purpose, set in try list(set, purpose: purpose) }
        }
        let hashes = Dictionary(networks.map { (OwnerTag.networkHash($0), $0) }, uniquingKeysWith: { first, _ in first })
        for set in PortMappingObjects.maps + PortMappingObjects.hairpinSets {
            for element in try list(set, purpose: "port mapping") {
                guard let network = element.owner.flatMap({ hashes[String($0.prefix(16))] }) else { continue }
                byNetwork[network, default: []].append(element)
            }
        }
        return byNetwork
    }

    /// The maps and sets whose elements belong to one attachment each, by purpose.
    static func networkMaps(_ network: String) -> [(String, NamedSet)] {
        let owned: [(String, NetworkObjects)] = [
            ("masquerade", MasqueradeFirewall.objects(network: network)),
            ("macspoofchk", MACSpoofCheck.objects(network: network)),
            ("ipspoofchk", AddressSpoofCheck.objects(network: network)),
            ("isolate", NetworkIsolation.objects(network: network)),
        ]
        return owned.flatMap { purpose, objects in (objects.dispatchMaps + objects.ownedSets).map { (purpose, $0) } }
            + [("forwarding acceptance", ForwardingAcceptance.membership(network: network).map)]
    }

    private func list(_ set: NamedSet, purpose: String) throws -> [OwnedElement] {
        try (transport.elements(of: set, keys: nil) ?? []).map { element in
            var text = SetElement.describe(key: element.key, as: set.key)
            if let data = element.data, let type = set.data { text += " : " + SetElement.describe(key: data, as: type) }
            let target = Self.targetLength(set).flatMap { length in element.data.flatMap { IPAddress(bytes: Array($0.prefix(length))) } }
            return OwnedElement(purpose: purpose, setName: "\(set.table) \(set.name)", owner: OwnerTag.ownerPrefix(of: element.comment),
                                comment: element.comment,                                 text: text, target: target, mac: Self.mac(of: element, in: set).map { MACAddress(bytes: $0)?.description ?? "" })
        }
    }

    /// The MAC a spoof-check element records: `ipspoofchk` in its port element's comment,
    /// `macspoofchk` in its `ifname . ether_addr` key.
    private static func mac(of element: SetElement, in set: NamedSet) -> [UInt8]? {
        if let mac = OwnerTag.mac(inPortComment: element.comment) { return mac }
        guard set.key == .concatenation([.interfaceName, .etherAddress]), element.key.count >= 22 else { return nil }
        return Array(element.key[16..<22])
    }

    /// The length of the address a port-mapping map's data starts with (`address . port`).
    private static func targetLength(_ set: NamedSet) -> Int? {
        guard case .concatenation(let fields)? = set.data, let first = fields.first else { return nil }
        switch first {
        case .ipv4Address: return 4
        case .ipv6Address: return 16
        default: return nil
        }
    }
}
