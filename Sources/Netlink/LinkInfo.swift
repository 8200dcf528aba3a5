#if canImport(Glibc)
import CNetlinkShims
import Glibc

/// RFC 2863 operational state of a link (`IFLA_OPERSTATE`), as `ip link` prints it.
public enum OperationalState: UInt8, Sendable, CustomStringConvertible {
    case unknown = 0, notPresent, down, lowerLayerDown, testing, dormant, up

    public var description: String {
        switch self {
        case .unknown: "UNKNOWN"
        case .notPresent: "NOTPRESENT"
        case .down: "DOWN"
        case .lowerLayerDown: "LOWERLAYERDOWN"
        case .testing: "TESTING"
        case .dormant: "DORMANT"
        case .up: "UP"
        }
    }
}

/// A network interface as `ip -d link show` reports it (from an `RTM_NEWLINK` reply).
public struct LinkInfo: Equatable, Sendable {
    /// Interface index (`ifi_index`), unique within its network namespace.
    public var index: Int32
    /// Interface name (`IFLA_IFNAME`).
    public var name: String
    /// Driver kind from `IFLA_LINKINFO`/`IFLA_INFO_KIND`: "bridge", "veth", ...; nil for plain devices like `lo`.
    public var kind: String?
    /// Hardware address (`IFLA_ADDRESS`); empty if the link has none.
    public var mac: [UInt8]
    public var mtu: UInt32
    /// `ifi_flags` (IFF_UP, IFF_PROMISC, IFF_LOWER_UP, ...).
    public var flags: UInt32
    /// `IFLA_OPERSTATE`.
    public var operationalState: OperationalState
    /// The bridge (or other master) this link is enslaved to (`IFLA_MASTER`).
    public var masterIndex: Int32?
    /// The lower/peer link's index (`IFLA_LINK`); for a veth, the peer's index in the peer's namespace.
    public var linkIndex: Int32?
    /// `IFLA_LINK_NETNSID`: the peer's namespace as an id relative to this link's namespace.
    public var linkNamespaceID: Int32?
    /// Promiscuity counter (`IFLA_PROMISCUITY`); nonzero means promiscuous.
    public var promiscuity: UInt32
    /// For bridges: whether VLAN filtering is on (`IFLA_BR_VLAN_FILTERING`); nil for other kinds.
    public var bridgeVLANFiltering: Bool?
    /// For bridges: whether IGMP/MLD snooping is on (`IFLA_BR_MCAST_SNOOPING`); nil for other kinds.
    public var bridgeMulticastSnooping: Bool?
    /// The link's alias (`IFLA_IFALIAS`); nil when none is set.
    public var alias: String?
    /// The device group (`IFLA_GROUP`); 0, the default group, unless someone set one.
    public var group: UInt32 = 0

    public var isUp: Bool { flags & UInt32(IFF_UP) != 0 }
    public var isPromiscuous: Bool { flags & UInt32(IFF_PROMISC) != 0 || promiscuity > 0 }

    /// The MAC in the lower-case colon form that `ip` prints and CNI results carry ("0a:58:...").
    public var macString: String { Self.format(mac: mac) }

    /// Formats any hardware address as lower-case hex pairs separated by colons.
    public static func format(mac: [UInt8]) -> String {
        mac.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    /// Decodes an RTM_NEWLINK message: `struct ifinfomsg` (16 bytes) then attributes.
    init?(_ message: NetlinkMessage) {
        let payload = message.payload
        guard Int32(message.type) == Int32(RTM_NEWLINK), payload.count >= 16 else { return nil }
        let start = payload.startIndex
        index = Int32(bitPattern: payload.loadU32(at: start + 4))
        flags = payload.loadU32(at: start + 8)
        let attributes = AttributeList(payload[(start + 16)...])
        name = attributes.string(Int(IFLA_IFNAME)) ?? ""
        mac = attributes[Int(IFLA_ADDRESS)].map(Array.init) ?? []
        mtu = attributes.u32(Int(IFLA_MTU)) ?? 0
        operationalState = attributes.u8(Int(IFLA_OPERSTATE)).flatMap(OperationalState.init) ?? .unknown
        masterIndex = attributes.i32(Int(IFLA_MASTER))
        linkIndex = attributes.i32(Int(IFLA_LINK))
        linkNamespaceID = attributes.i32(Int(IFLA_LINK_NETNSID))
        promiscuity = attributes.u32(Int(IFLA_PROMISCUITY)) ?? 0
        alias = attributes.string(Int(IFLA_IFALIAS))
        group = attributes.u32(Int(IFLA_GROUP)) ?? 0
        let linkInfo = attributes.nested(Int(IFLA_LINKINFO))
        kind = linkInfo?.string(Int(IFLA_INFO_KIND))
        if kind == "bridge" {
            let data = linkInfo?.nested(Int(IFLA_INFO_DATA))
            bridgeVLANFiltering = data?.u8(Int(IFLA_BR_VLAN_FILTERING)).map { $0 != 0 }
            bridgeMulticastSnooping = data?.u8(Int(IFLA_BR_MCAST_SNOOPING)).map { $0 != 0 }
        }
    }
}
#endif
