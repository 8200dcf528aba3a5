#if canImport(Glibc)
import CNetlinkShims
import Glibc
import LinuxSupport

/// Creating bridges and veth pairs.
extension RouteNetlink {
    /// Creates a bridge.
    /// `ip link add name <name> [address <mac>] [mtu <mtu>] [up] type bridge [vlan_filtering 1] [mcast_snooping 0]`
    ///
    /// The corresponding kernel message is `RTM_NEWLINK` with `NLM_F_CREATE|NLM_F_EXCL` and
    /// `IFLA_INFO_KIND "bridge"`.
    /// - Parameters:
    ///   - name: the bridge's name.
    ///   - mac: the bridge's MAC (`IFLA_ADDRESS`). A MAC given at creation counts as set by the
    ///     user, so the bridge keeps it for ever instead of taking its lowest port's MAC.
    ///   - mtu: the initial MTU, or nil for the kernel default.
    ///   - vlanFiltering: sets `IFLA_BR_VLAN_FILTERING` when non-nil.
    ///   - multicastSnooping: sets `IFLA_BR_MCAST_SNOOPING` when non-nil.
    ///   - up: bring the new bridge up in the same request (`ifi_flags` IFF_UP).
    /// - Throws: `NetlinkError` with `isExists` if any link already has the name; "ensure bridge"
    ///   logic belongs to the caller, which must also check that the existing link is a bridge.
    public func addBridge(
        named name: String, mac: [UInt8]? = nil, mtu: UInt32? = nil, vlanFiltering: Bool? = nil,
        multicastSnooping: Bool? = nil, up: Bool = false
    ) throws(NetlinkError) {
        let message = request(Int(RTM_NEWLINK), flags: NLM_F_CREATE | NLM_F_EXCL)
        var header = ifinfomsg()
        header.ifi_flags = up ? UInt32(IFF_UP) : 0
        header.ifi_change = up ? UInt32(IFF_UP) : 0
        message.append(header)
        message.put(Int(IFLA_IFNAME), string: name)
        if let mac { message.put(Int(IFLA_ADDRESS), bytes: mac) }
        if let mtu { message.put(Int(IFLA_MTU), u32: mtu) }
        message.nest(Int(IFLA_LINKINFO)) {
            message.put(Int(IFLA_INFO_KIND), string: "bridge")
            if vlanFiltering != nil || multicastSnooping != nil {
                message.nest(Int(IFLA_INFO_DATA)) {
                    if let vlanFiltering { message.put(Int(IFLA_BR_VLAN_FILTERING), u8: vlanFiltering ? 1 : 0) }
                    if let multicastSnooping { message.put(Int(IFLA_BR_MCAST_SNOOPING), u8: multicastSnooping ? 1 : 0) }
                }
            }
        }
        try perform(message, "RTM_NEWLINK bridge \(name)")
    }

    /// Turns VLAN filtering on a bridge on or off. `ip link set dev <index> type bridge vlan_filtering 1|0`
    public func setBridgeVLANFiltering(_ bridgeIndex: Int32, on: Bool) throws(NetlinkError) {
        let message = linkRequest(RTM_NEWLINK, index: bridgeIndex)
        message.nest(Int(IFLA_LINKINFO)) {
            message.put(Int(IFLA_INFO_KIND), string: "bridge")
            message.nest(Int(IFLA_INFO_DATA)) {
                message.put(Int(IFLA_BR_VLAN_FILTERING), u8: on ? 1 : 0)
            }
        }
        try perform(message, "RTM_NEWLINK bridge index \(bridgeIndex) vlan_filtering \(on ? 1 : 0)")
    }

    /// Creates a veth pair whose peer is born directly in `peerNamespace` (no later move).
    ///
    /// `ip link add <name> [mtu M] type veth peer name <peerName> [mtu M] [address <peerMAC>] netns <ns>`
    ///
    /// Shorthand for `addVethPair(_:)`; see there for the kernel message and errors.
    /// - Parameters:
    ///   - name: the end created in this transport's namespace (the host end).
    ///   - peerName: the other end (the container's `CNI_IFNAME`).
    ///   - peerNamespace: where the peer is created; nil for this transport's namespace.
    ///   - mtu: applied to both ends; nil for the kernel default.
    ///   - peerMAC: a fixed MAC for the peer; nil lets the kernel choose a random one.
    public func addVethPair(
        name: String, peerName: String, peerNamespace: NetworkNamespace? = nil, mtu: UInt32? = nil, peerMAC: [UInt8]? = nil
    ) throws(NetlinkError) {
        try addVethPair(VethPairSpec(name: name, peerName: peerName, peerNamespace: peerNamespace, mtu: mtu, peerMAC: peerMAC))
    }

    /// Creates a veth pair in one request: the peer born in its namespace, and the local end
    /// optionally already enslaved and up (saving the `setMaster` and `setUp` round trips).
    ///
    /// `ip link add <name> [mtu M] [master <bridge>] [up] type veth peer name <peerName> [mtu M] [address <mac>] netns <ns>`
    ///
    /// The corresponding kernel message is `RTM_NEWLINK` with `IFLA_INFO_KIND "veth"` and a
    /// `VETH_INFO_PEER` nest (its own `ifinfomsg`, `IFLA_IFNAME`, `IFLA_NET_NS_FD`).
    /// - Throws: `NetlinkError` with `isExists` if `name` exists here **or** `peerName` exists in
    ///   the peer's namespace (the kernel does not say which, so check the peer side first).
    public func addVethPair(_ pair: VethPairSpec) throws(NetlinkError) {
        let message = request(Int(RTM_NEWLINK), flags: NLM_F_CREATE | NLM_F_EXCL)
        var header = ifinfomsg()
        header.ifi_flags = pair.localUp ? UInt32(IFF_UP) : 0
        header.ifi_change = pair.localUp ? UInt32(IFF_UP) : 0
        message.append(header)
        message.put(Int(IFLA_IFNAME), string: pair.name)
        if let mtu = pair.mtu { message.put(Int(IFLA_MTU), u32: mtu) }
        if let master = pair.masterIndex { message.put(Int(IFLA_MASTER), i32: master) }
        message.nest(Int(IFLA_LINKINFO)) {
            message.put(Int(IFLA_INFO_KIND), string: "veth")
            message.nest(Int(IFLA_INFO_DATA)) {
                message.nest(Int(VETH_INFO_PEER)) { Self.putPeer(pair, into: message) }
            }
        }
        let operation = "RTM_NEWLINK veth \(pair.name)/\(pair.peerName)"
        do {
            try perform(message, operation)
        } catch where error.isExists {
            let place = pair.peerNamespace.map { " in \($0.path)" } ?? ""
            throw error.describing("\(operation): an interface named \(pair.name) already exists here, or \(pair.peerName)\(place)")
        }
    }

    /// The VETH_INFO_PEER content: a full ifinfomsg followed by the peer's own attributes.
    private static func putPeer(_ pair: VethPairSpec, into message: MessageBuilder) {
        message.append(ifinfomsg())
        message.put(Int(IFLA_IFNAME), string: pair.peerName)
        if let mtu = pair.mtu { message.put(Int(IFLA_MTU), u32: mtu) }
        if let mac = pair.peerMAC { message.put(Int(IFLA_ADDRESS), bytes: mac) }
        if let namespace = pair.peerNamespace {
            message.put(Int(IFLA_NET_NS_FD), u32: UInt32(bitPattern: namespace.fileDescriptor))
        }
    }
}
#endif
