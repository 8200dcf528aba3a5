#if canImport(CNetlinkShims)
import CNIProtocol

/// How far a route's destination is (`rtm_scope`), as `ip route ... scope <x>` names it.
public struct RouteScope: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `scope global`: reached through a gateway (or anywhere).
    public static let universe = RouteScope(rawValue: 0)
    public static let site = RouteScope(rawValue: 200)
    /// `scope link`: directly on the attached link.
    public static let link = RouteScope(rawValue: 253)
    /// `scope host`: on this host.
    public static let host = RouteScope(rawValue: 254)
    public static let nowhere = RouteScope(rawValue: 255)
}

/// A unicast route as `ip route` shows it; used both to add routes and to report them.
public struct RouteSpec: Equatable, Sendable {
    /// The main routing table (`RT_TABLE_MAIN`).
    public static let mainTable: UInt32 = 254

    /// Destination prefix (`RTA_DST` + `rtm_dst_len`); `0.0.0.0/0` or `::/0` for a default route.
    public var destination: IPNetwork
    /// Next hop (`RTA_GATEWAY`); nil for an on-link route.
    public var gateway: IPAddress?
    /// Output link index (`RTA_OIF`).
    public var outputInterface: Int32?
    /// Metric (`RTA_PRIORITY`).
    public var priority: UInt32?
    /// Routing table (`RTA_TABLE`).
    public var table: UInt32
    /// `rtm_scope`. When adding, nil means what `ip route add` picks: `.link` without a gateway,
    /// `.universe` with one. Routes read back always carry the kernel's value.
    public var scope: RouteScope?
    /// Path MTU (`RTA_METRICS`/`RTAX_MTU`).
    public var mtu: UInt32?
    /// Advertised MSS (`RTA_METRICS`/`RTAX_ADVMSS`).
    public var advertisedMSS: UInt32?

    public init(
        destination: IPNetwork, gateway: IPAddress? = nil, outputInterface: Int32? = nil, priority: UInt32? = nil,
        table: UInt32 = RouteSpec.mainTable, scope: RouteScope? = nil, mtu: UInt32? = nil, advertisedMSS: UInt32? = nil
    ) {
        self.destination = destination
        self.gateway = gateway
        self.outputInterface = outputInterface
        self.priority = priority
        self.table = table
        self.scope = scope
        self.mtu = mtu
        self.advertisedMSS = advertisedMSS
    }

    /// The scope sent to the kernel when adding.
    var effectiveScope: RouteScope { scope ?? (gateway == nil ? .link : .universe) }
}
#endif
