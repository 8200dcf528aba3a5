#if canImport(Glibc)
import CNIProtocol
import CNetlinkShims
import Glibc

/// Routes.
extension RouteNetlink {
    /// Adds a route.
    ///
    /// `ip route add <dst> [via <gw>] [dev <oif>] [metric <p>] [table <t>] [scope <s>] [mtu <m>] [advmss <a>]`
    ///
    /// The corresponding kernel message is `RTM_NEWROUTE` with `NLM_F_CREATE|NLM_F_EXCL`,
    /// protocol `boot` and type `unicast`, like `ip route add`.
    /// - Throws: `NetlinkError` with `isExists` if the same route already exists; ENETUNREACH if
    ///   the gateway is not reachable through a link route.
    public func addRoute(_ route: RouteSpec) throws(NetlinkError) {
        let message = routeRequest(RTM_NEWROUTE, route, flags: NLM_F_CREATE | NLM_F_EXCL)
        try perform(message, "RTM_NEWROUTE \(Self.text(route))")
    }

    /// Deletes a route matching destination, table and (when given) gateway, interface and metric.
    /// `ip route del <dst> [via <gw>] [dev <oif>] [metric <p>] [table <t>]`
    ///
    /// - Throws: `NetlinkError` with `isNotFound` (ESRCH) if no route matches.
    public func deleteRoute(_ route: RouteSpec) throws(NetlinkError) {
        let message = routeRequest(RTM_DELROUTE, route, flags: 0)
        try perform(message, "RTM_DELROUTE \(Self.text(route))")
    }

    /// The unicast routes of one family in one table. `ip [-6] route show table <table>`
    ///
    /// The corresponding kernel message is an `RTM_GETROUTE` dump, filtered here by table.
    public func routes(family: IPFamily, table: UInt32 = RouteSpec.mainTable) throws(NetlinkError) -> [RouteSpec] {
        let replies = try dump({ () -> MessageBuilder in
            let message = dumpRequest(Int(RTM_GETROUTE))
            var header = rtmsg()
            header.rtm_family = UInt8(Self.addressFamily(family))
            message.append(header)
            return message
        }, "RTM_GETROUTE dump")
        return replies.compactMap { Self.route(in: $0, family: family) }.filter { $0.table == table }
    }

    // MARK: - Helpers

    private func routeRequest(_ type: Int, _ route: RouteSpec, flags: Int32) -> MessageBuilder {
        let isAdd = type == Int(RTM_NEWROUTE)
        let message = request(type, flags: flags)
        var header = rtmsg()
        header.rtm_family = UInt8(Self.addressFamily(route.destination.family))
        header.rtm_dst_len = UInt8(route.destination.prefixLength)
        header.rtm_table = route.table < 256 ? UInt8(route.table) : UInt8(RT_TABLE_UNSPEC.rawValue)
        header.rtm_protocol = isAdd ? UInt8(RTPROT_BOOT) : 0
        header.rtm_scope = isAdd ? route.effectiveScope.rawValue : RouteScope.nowhere.rawValue
        header.rtm_type = isAdd ? UInt8(RTN_UNICAST) : 0
        message.append(header)
        message.put(Int(RTA_TABLE.rawValue), u32: route.table)
        if route.destination.prefixLength > 0 {
            message.put(Int(RTA_DST.rawValue), bytes: route.destination.networkAddress.bytes)
        }
        if let gateway = route.gateway { message.put(Int(RTA_GATEWAY.rawValue), bytes: gateway.bytes) }
        if let oif = route.outputInterface { message.put(Int(RTA_OIF.rawValue), i32: oif) }
        if let priority = route.priority { message.put(Int(RTA_PRIORITY.rawValue), u32: priority) }
        if isAdd, route.mtu != nil || route.advertisedMSS != nil {
            message.nest(Int(RTA_METRICS.rawValue)) {
                if let mtu = route.mtu { message.put(Int(RTAX_MTU), u32: mtu) }
                if let mss = route.advertisedMSS { message.put(Int(RTAX_ADVMSS), u32: mss) }
            }
        }
        return message
    }

    /// Decodes an RTM_NEWROUTE: `struct rtmsg` (12 bytes) then RTA_* attributes; nil for other
    /// families and non-unicast routes (local, broadcast, ...).
    static func route(in message: NetlinkMessage, family: IPFamily) -> RouteSpec? {
        let payload = message.payload
        guard Int32(message.type) == Int32(RTM_NEWROUTE), payload.count >= 12 else { return nil }
        let start = payload.startIndex
        guard Int32(payload[start]) == addressFamily(family), Int(payload[start + 7]) == Int(RTN_UNICAST) else { return nil }
        let attributes = AttributeList(payload[(start + 12)...])
        let zero = IPAddress(family: family, integerValue: 0)
        guard let destinationAddress = attributes[Int(RTA_DST.rawValue)].flatMap({ IPAddress(bytes: $0) }) ?? zero,
              let destination = IPNetwork(address: destinationAddress, prefixLength: Int(payload[start + 1])) else { return nil }
        let metrics = attributes.nested(Int(RTA_METRICS.rawValue))
        return RouteSpec(
            destination: destination,
            gateway: attributes[Int(RTA_GATEWAY.rawValue)].flatMap { IPAddress(bytes: $0) },
            outputInterface: attributes.i32(Int(RTA_OIF.rawValue)),
            priority: attributes.u32(Int(RTA_PRIORITY.rawValue)),
            table: attributes.u32(Int(RTA_TABLE.rawValue)) ?? UInt32(payload[start + 4]),
            scope: RouteScope(rawValue: payload[start + 6]),
            mtu: metrics?.u32(Int(RTAX_MTU)),
            advertisedMSS: metrics?.u32(Int(RTAX_ADVMSS)))
    }

    private static func text(_ route: RouteSpec) -> String {
        var text = "\(route.destination)"
        if let gateway = route.gateway { text += " via \(gateway)" }
        if let oif = route.outputInterface { text += " dev index \(oif)" }
        if let priority = route.priority { text += " metric \(priority)" }
        if route.table != RouteSpec.mainTable { text += " table \(route.table)" }
        return text
    }
}
#endif
