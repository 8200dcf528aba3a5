#if canImport(Glibc)
import CNetlinkShims
import Glibc
import LinuxSupport

/// Reading, changing and deleting existing links.
extension RouteNetlink {
    /// The link called `name`, or nil if there is none. `ip -d link show dev <name>`
    ///
    /// The corresponding kernel message is `RTM_GETLINK` with `IFLA_IFNAME`.
    public func link(named name: String) throws(NetlinkError) -> LinkInfo? {
        let message = linkRequest(RTM_GETLINK, index: 0)
        message.put(Int(IFLA_IFNAME), string: name)
        message.put(Int(IFLA_EXT_MASK), u32: UInt32(RTEXT_FILTER_SKIP_STATS))
        return try singleLink(message, "RTM_GETLINK \(name)")
    }

    /// The link with interface index `index`, or nil if there is none. `ip -d link show` + index
    public func link(index: Int32) throws(NetlinkError) -> LinkInfo? {
        let message = linkRequest(RTM_GETLINK, index: index)
        message.put(Int(IFLA_EXT_MASK), u32: UInt32(RTEXT_FILTER_SKIP_STATS))
        return try singleLink(message, "RTM_GETLINK index \(index)")
    }

    /// Every link in the namespace. `ip -d link show`
    ///
    /// The corresponding kernel message is an `RTM_GETLINK` dump.
    public func links() throws(NetlinkError) -> [LinkInfo] {
        let replies = try dump({ () -> MessageBuilder in
            let message = dumpRequest(Int(RTM_GETLINK))
            message.append(ifinfomsg())
            message.put(Int(IFLA_EXT_MASK), u32: UInt32(RTEXT_FILTER_SKIP_STATS))
            return message
        }, "RTM_GETLINK dump")
        return replies.compactMap(LinkInfo.init)
    }

    /// Brings a link up. `ip link set dev <index> up`
    public func setUp(_ index: Int32) throws(NetlinkError) {
        try changeFlags(index, set: UInt32(IFF_UP), on: true, "RTM_NEWLINK index \(index) up")
    }

    /// Turns promiscuous mode on or off. `ip link set dev <index> promisc on|off`
    public func setPromiscuous(_ index: Int32, on: Bool) throws(NetlinkError) {
        try changeFlags(index, set: UInt32(IFF_PROMISC), on: on, "RTM_NEWLINK index \(index) promisc \(on ? "on" : "off")")
    }

    /// Enslaves a link to a bridge. `ip link set dev <index> master <bridge>`
    ///
    /// The corresponding attribute is `IFLA_MASTER`; pass 0 to release the link (`nomaster`).
    public func setMaster(_ linkIndex: Int32, bridgeIndex: Int32) throws(NetlinkError) {
        let message = linkRequest(RTM_NEWLINK, index: linkIndex)
        message.put(Int(IFLA_MASTER), i32: bridgeIndex)
        try perform(message, "RTM_NEWLINK index \(linkIndex) master \(bridgeIndex)")
    }

    /// Deletes a link (for a veth, both ends). `ip link delete dev <index>`
    ///
    /// - Throws: `NetlinkError` with `isNotFound` (ENODEV) if there is no such link.
    public func deleteLink(index: Int32) throws(NetlinkError) {
        try perform(linkRequest(RTM_DELLINK, index: index), "RTM_DELLINK index \(index)")
    }

    /// Deletes link `index`; returns false if there was none. `ip link delete dev <index>`
    @discardableResult
    public func deleteLinkIfPresent(index: Int32) throws(NetlinkError) -> Bool {
        try deleteIfPresent(linkRequest(RTM_DELLINK, index: index), "RTM_DELLINK index \(index)")
    }

    /// Deletes the link called `name`; returns false if there was none. `ip link delete dev <name>`
    @discardableResult
    public func deleteLink(named name: String) throws(NetlinkError) -> Bool {
        let message = linkRequest(RTM_DELLINK, index: 0)
        message.put(Int(IFLA_IFNAME), string: name)
        return try deleteIfPresent(message, "RTM_DELLINK \(name)")
    }

    /// Sends an `RTM_DELLINK` that names its link(s) by attribute; `false` when the kernel found
    /// none (ENODEV).
    func deleteIfPresent(_ message: MessageBuilder, _ operation: @autoclosure () -> String) throws(NetlinkError) -> Bool {
        do {
            try perform(message, operation())
            return true
        } catch where error.errno == ENODEV {
            return false
        }
    }

    // MARK: - Helpers

    /// A request for one link: `struct ifinfomsg` with family AF_UNSPEC and the index.
    func linkRequest(_ type: Int, index: Int32, family: Int32 = AF_UNSPEC, flags: Int32 = 0) -> MessageBuilder {
        let message = request(type, flags: flags)
        var header = ifinfomsg()
        header.ifi_family = UInt8(family)
        header.ifi_index = index
        message.append(header)
        return message
    }

    private func singleLink(_ message: MessageBuilder, _ operation: String) throws(NetlinkError) -> LinkInfo? {
        do {
            let replies = try perform(message, operation)
            return replies.lazy.compactMap(LinkInfo.init).first
        } catch where error.errno == ENODEV {
            return nil
        }
    }

    private func changeFlags(_ index: Int32, set flag: UInt32, on: Bool, _ operation: String) throws(NetlinkError) {
        let message = request(Int(RTM_NEWLINK))
        var header = ifinfomsg()
        header.ifi_index = index
        header.ifi_flags = on ? flag : 0
        header.ifi_change = flag
        message.append(header)
        try perform(message, operation)
    }
}
#endif
