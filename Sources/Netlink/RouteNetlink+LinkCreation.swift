#if canImport(Glibc)
import CNetlinkShims
import Glibc
import LinuxSupport

/// Creating bridges and veth pairs.
extension RouteNetlink {
    /// Creates a bridge. `ip link add name <name> [mtu <mtu>] type bridge [vlan_filtering 1]`
    ///
    /// The corresponding kernel message is `RTM_NEWLINK` with `NLM_F_CREATE|NLM_F_EXCL` and
    /// `IFLA_INFO_KIND "bridge"`.
    /// - Parameters:
    ///   - name: the bridge's name.
    ///   - mtu: the initial MTU, or nil for the kernel default.
    ///   - vlanFiltering: sets `IFLA_BR_VLAN_FILTERING` when non-nil.
    /// - Throws: `NetlinkError` with `isExists` if any link already has the name; "ensure bridge"
    ///   logic belongs to the caller, which must also check that the existing link is a bridge.
    public func addBridge(named name: String, mtu: UInt32? = nil, vlanFiltering: Bool? = nil) throws(NetlinkError) {
        let message = linkRequest(RTM_NEWLINK, index: 0, flags: NLM_F_CREATE | NLM_F_EXCL)
        message.put(Int(IFLA_IFNAME), string: name)
        if let mtu { message.put(Int(IFLA_MTU), u32: mtu) }
        message.nest(Int(IFLA_LINKINFO)) {
            message.put(Int(IFLA_INFO_KIND), string: "bridge")
            if let vlanFiltering {
                message.nest(Int(IFLA_INFO_DATA)) {
                    message.put(Int(IFLA_BR_VLAN_FILTERING), u8: vlanFiltering ? 1 : 0)
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
    /// The corresponding kernel message is `RTM_NEWLINK` with `IFLA_INFO_KIND "veth"` and a
    /// `VETH_INFO_PEER` nest (its own `ifinfomsg`, `IFLA_IFNAME`, `IFLA_NET_NS_FD`).
    /// - Parameters:
    ///   - name: the end created in this transport's namespace (the host end).
    ///   - peerName: the other end (the container's `CNI_IFNAME`).
    ///   - peerNamespace: where the peer is created; nil for this transport's namespace.
    ///   - mtu: applied to both ends; nil for the kernel default.
    ///   - peerMAC: a fixed MAC for the peer; nil lets the kernel choose a random one.
    /// - Throws: `NetlinkError` with `isExists` if `name` exists here **or** `peerName` exists in
    ///   the peer's namespace (the kernel does not say which, so check the peer side first).
    public func addVethPair(
        name: String, peerName: String, peerNamespace: NetworkNamespace? = nil, mtu: UInt32? = nil, peerMAC: [UInt8]? = nil
    ) throws(NetlinkError) {
        let message = linkRequest(RTM_NEWLINK, index: 0, flags: NLM_F_CREATE | NLM_F_EXCL)
        message.put(Int(IFLA_IFNAME), string: name)
        if let mtu { message.put(Int(IFLA_MTU), u32: mtu) }
        message.nest(Int(IFLA_LINKINFO)) {
            message.put(Int(IFLA_INFO_KIND), string: "veth")
            message.nest(Int(IFLA_INFO_DATA)) {
                message.nest(Int(VETH_INFO_PEER)) {
                    message.append(ifinfomsg())
                    message.put(Int(IFLA_IFNAME), string: peerName)
                    if let mtu { message.put(Int(IFLA_MTU), u32: mtu) }
                    if let peerMAC { message.put(Int(IFLA_ADDRESS), bytes: peerMAC) }
                    if let peerNamespace {
                        message.put(Int(IFLA_NET_NS_FD), u32: UInt32(bitPattern: peerNamespace.fileDescriptor))
                    }
                }
            }
        }
        let operation = "RTM_NEWLINK veth \(name)/\(peerName)"
        do {
            try perform(message, operation)
        } catch where error.isExists {
            let place = peerNamespace.map { " in \($0.path)" } ?? ""
            throw error.describing("\(operation): an interface named \(name) already exists here, or \(peerName)\(place)")
        }
    }
}
#endif
