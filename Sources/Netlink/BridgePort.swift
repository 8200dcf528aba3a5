#if canImport(Glibc)
import CNetlinkShims

/// A VLAN entry (or compressed range) on a bridge port, as `bridge vlan show` lists it.
public struct BridgeVLAN: Equatable, Sendable, CustomStringConvertible {
    /// One VLAN id (`lowerBound == upperBound`) or a range of ids with identical flags.
    public var ids: ClosedRange<UInt16>
    /// Untagged ingress frames are classified into this VLAN (`BRIDGE_VLAN_INFO_PVID`).
    public var isPVID: Bool
    /// Egress frames leave without a tag (`BRIDGE_VLAN_INFO_UNTAGGED`).
    public var isUntagged: Bool

    public init(ids: ClosedRange<UInt16>, isPVID: Bool = false, isUntagged: Bool = false) {
        self.ids = ids
        self.isPVID = isPVID
        self.isUntagged = isUntagged
    }

    public var description: String {
        let range = ids.count == 1 ? "\(ids.lowerBound)" : "\(ids.lowerBound)-\(ids.upperBound)"
        return range + (isPVID ? " PVID" : "") + (isUntagged ? " Egress Untagged" : "")
    }
}

/// A bridge port's settings, as `bridge -d link show` / `bridge vlan show` report them (from an
/// `AF_BRIDGE` `RTM_GETLINK` dump).
public struct BridgePortInfo: Equatable, Sendable {
    public var index: Int32
    public var name: String
    /// The bridge this port belongs to (`IFLA_MASTER`).
    public var masterIndex: Int32?
    /// `IFLA_BRPORT_MODE`: frames may be sent back out of the port they came in on.
    public var hairpin: Bool
    /// `IFLA_BRPORT_ISOLATED`: the port talks only to non-isolated ports.
    public var isolated: Bool
    /// VLANs on the port (ranges compressed as the kernel reports them); empty without filtering.
    public var vlans: [BridgeVLAN]

    /// Decodes an `AF_BRIDGE` RTM_NEWLINK: ifinfomsg, then IFLA_PROTINFO and IFLA_AF_SPEC nests.
    init?(_ message: NetlinkMessage) {
        let payload = message.payload
        guard Int32(message.type) == Int32(RTM_NEWLINK), payload.count >= 16 else { return nil }
        index = Int32(bitPattern: payload.loadU32(at: payload.startIndex + 4))
        let attributes = AttributeList(payload[(payload.startIndex + 16)...])
        name = attributes.string(Int(IFLA_IFNAME)) ?? ""
        masterIndex = attributes.i32(Int(IFLA_MASTER))
        let port = attributes.nested(Int(IFLA_PROTINFO))
        hairpin = (port?.u8(Int(IFLA_BRPORT_MODE)) ?? 0) != 0
        isolated = (port?.u8(Int(IFLA_BRPORT_ISOLATED)) ?? 0) != 0
        vlans = Self.vlans(attributes.nested(Int(IFLA_AF_SPEC)))
    }

    /// Reads `IFLA_BRIDGE_VLAN_INFO` entries, joining RANGE_BEGIN/RANGE_END pairs.
    private static func vlans(_ spec: AttributeList?) -> [BridgeVLAN] {
        guard let spec else { return [] }
        var result: [BridgeVLAN] = []
        var rangeStart: UInt16?
        for value in spec.all(Int(IFLA_BRIDGE_VLAN_INFO)) where value.count >= 4 {
            let flags = Int32(value.loadU16(at: value.startIndex))
            let id = value.loadU16(at: value.startIndex + 2)
            if flags & BRIDGE_VLAN_INFO_RANGE_BEGIN != 0 {
                rangeStart = id
                continue
            }
            let lower = flags & BRIDGE_VLAN_INFO_RANGE_END != 0 ? (rangeStart ?? id) : id
            rangeStart = nil
            result.append(BridgeVLAN(
                ids: lower...max(lower, id),
                isPVID: flags & BRIDGE_VLAN_INFO_PVID != 0,
                isUntagged: flags & BRIDGE_VLAN_INFO_UNTAGGED != 0))
        }
        return result
    }
}
#endif
