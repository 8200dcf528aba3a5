#if canImport(Glibc)
import CNetlinkShims
import Glibc

/// Bridge-port flags and VLANs (the `bridge(8)` side of rtnetlink: family `AF_BRIDGE`).
extension RouteNetlink {
    /// Sets hairpin mode and/or port isolation on a bridge port; nil leaves a flag unchanged.
    ///
    /// `bridge link set dev <index> [hairpin on|off] [isolated on|off]`
    ///
    /// The corresponding kernel message is `RTM_SETLINK` (family `AF_BRIDGE`) with an
    /// `IFLA_PROTINFO` nest holding `IFLA_BRPORT_MODE` and `IFLA_BRPORT_ISOLATED`.
    public func setBridgePort(_ index: Int32, hairpin: Bool? = nil, isolated: Bool? = nil) throws(NetlinkError) {
        let message = linkRequest(RTM_SETLINK, index: index, family: AF_BRIDGE)
        message.nest(Int(IFLA_PROTINFO)) {
            if let hairpin { message.put(Int(IFLA_BRPORT_MODE), u8: hairpin ? 1 : 0) }
            if let isolated { message.put(Int(IFLA_BRPORT_ISOLATED), u8: isolated ? 1 : 0) }
        }
        let changes = [hairpin.map { "hairpin \($0 ? "on" : "off")" }, isolated.map { "isolated \($0 ? "on" : "off")" }]
        try perform(message, "RTM_SETLINK bridge port index \(index) \(changes.compactMap { $0 }.joined(separator: " "))")
    }

    /// Adds a VLAN (or a trunk range) to a bridge port.
    ///
    /// `bridge vlan add dev <index> vid <a>[-<b>] [pvid] [untagged] [self]`
    ///
    /// The corresponding kernel message is `RTM_SETLINK` (family `AF_BRIDGE`) with `IFLA_AF_SPEC`
    /// holding `IFLA_BRIDGE_VLAN_INFO` (a range as RANGE_BEGIN + RANGE_END entries).
    /// - Parameters:
    ///   - index: the port, or the bridge itself when `onBridgeDevice` is true.
    ///   - vids: one id (`100...100`) or a range, within 1...4094.
    ///   - pvid: untagged ingress goes to this VLAN (single ids only).
    ///   - untagged: egress leaves untagged.
    ///   - onBridgeDevice: program the bridge's own port (`self`, `IFLA_BRIDGE_FLAGS` = SELF).
    public func addBridgeVLAN(
        _ index: Int32, vids: ClosedRange<UInt16>, pvid: Bool = false, untagged: Bool = false, onBridgeDevice: Bool = false
    ) throws(NetlinkError) {
        var flags: UInt16 = 0
        if pvid { flags |= UInt16(BRIDGE_VLAN_INFO_PVID) }
        if untagged { flags |= UInt16(BRIDGE_VLAN_INFO_UNTAGGED) }
        let message = vlanRequest(RTM_SETLINK, index, vids: vids, flags: flags, onBridgeDevice: onBridgeDevice)
        try perform(message, "RTM_SETLINK bridge vlan add index \(index) vid \(Self.text(vids))")
    }

    /// Adds one VLAN to a bridge port. `bridge vlan add dev <index> vid <vid> [pvid] [untagged]`
    public func addBridgeVLAN(_ index: Int32, vid: UInt16, pvid: Bool = false, untagged: Bool = false) throws(NetlinkError) {
        try addBridgeVLAN(index, vids: vid...vid, pvid: pvid, untagged: untagged)
    }

    /// Removes a VLAN or range from a bridge port. `bridge vlan del dev <index> vid <a>[-<b>] [self]`
    ///
    /// The corresponding kernel message is `RTM_DELLINK` (family `AF_BRIDGE`) with `IFLA_AF_SPEC`.
    public func deleteBridgeVLAN(_ index: Int32, vids: ClosedRange<UInt16>, onBridgeDevice: Bool = false) throws(NetlinkError) {
        let message = vlanRequest(RTM_DELLINK, index, vids: vids, flags: 0, onBridgeDevice: onBridgeDevice)
        try perform(message, "RTM_DELLINK bridge vlan del index \(index) vid \(Self.text(vids))")
    }

    /// Removes one VLAN from a bridge port. `bridge vlan del dev <index> vid <vid>`
    public func deleteBridgeVLAN(index: Int32, vid: UInt16) throws(NetlinkError) {
        try deleteBridgeVLAN(index, vids: vid...vid)
    }

    /// Every bridge port (and VLAN-filtering bridge) with its flags and VLANs.
    ///
    /// `bridge -d link show` + `bridge -c vlan show`: an `RTM_GETLINK` dump with family
    /// `AF_BRIDGE` and `IFLA_EXT_MASK` = `RTEXT_FILTER_BRVLAN_COMPRESSED`.
    public func bridgePorts() throws(NetlinkError) -> [BridgePortInfo] {
        let replies = try dump({ () -> MessageBuilder in
            let message = dumpRequest(Int(RTM_GETLINK))
            var header = ifinfomsg()
            header.ifi_family = UInt8(AF_BRIDGE)
            message.append(header)
            message.put(Int(IFLA_EXT_MASK), u32: UInt32(RTEXT_FILTER_BRVLAN_COMPRESSED))
            return message
        }, "RTM_GETLINK AF_BRIDGE dump")
        return replies.compactMap(BridgePortInfo.init)
    }

    /// One bridge port's flags and VLANs, or nil if `index` is not a bridge port.
    public func bridgePortInfo(index: Int32) throws(NetlinkError) -> BridgePortInfo? {
        try bridgePorts().first { $0.index == index }
    }

    /// The VLANs on a bridge port (empty if none or not a port). `bridge vlan show dev <index>`
    public func bridgeVLANs(index: Int32) throws(NetlinkError) -> [BridgeVLAN] {
        try bridgePortInfo(index: index)?.vlans ?? []
    }

    // MARK: - Helpers

    private func vlanRequest(
        _ type: Int, _ index: Int32, vids: ClosedRange<UInt16>, flags: UInt16, onBridgeDevice: Bool
    ) -> MessageBuilder {
        let message = linkRequest(type, index: index, family: AF_BRIDGE)
        message.nest(Int(IFLA_AF_SPEC)) {
            if onBridgeDevice { message.put(Int(IFLA_BRIDGE_FLAGS), u16: UInt16(BRIDGE_FLAGS_SELF)) }
            if vids.count == 1 {
                message.put(Int(IFLA_BRIDGE_VLAN_INFO), bytes: Self.vlanInfo(flags: flags, vid: vids.lowerBound))
            } else {
                let begin = flags | UInt16(BRIDGE_VLAN_INFO_RANGE_BEGIN)
                let end = flags | UInt16(BRIDGE_VLAN_INFO_RANGE_END)
                message.put(Int(IFLA_BRIDGE_VLAN_INFO), bytes: Self.vlanInfo(flags: begin, vid: vids.lowerBound))
                message.put(Int(IFLA_BRIDGE_VLAN_INFO), bytes: Self.vlanInfo(flags: end, vid: vids.upperBound))
            }
        }
        return message
    }

    /// `struct bridge_vlan_info { __u16 flags; __u16 vid; }` in host byte order.
    private static func vlanInfo(flags: UInt16, vid: UInt16) -> [UInt8] {
        withUnsafeBytes(of: bridge_vlan_info(flags: flags, vid: vid)) { Array($0) }
    }

    private static func text(_ vids: ClosedRange<UInt16>) -> String {
        vids.count == 1 ? "\(vids.lowerBound)" : "\(vids.lowerBound)-\(vids.upperBound)"
    }
}
#endif
