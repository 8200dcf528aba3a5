#if canImport(Glibc)
import CNetlinkShims
import Glibc

/// Device groups: a number every link carries (0 by default), which nftables matches with
/// `meta iifgroup`/`oifgroup` (isolation recognises nsbridge's bridges so), and by which several
/// links can be deleted in one request. The kernel unregisters them as one batch, so the grace-period wait
/// that dominates deleting a device is paid once for all of them.
extension RouteNetlink {
    /// Puts a link in a device group. `ip link set dev <index> group <group>`
    ///
    /// The corresponding attribute is `IFLA_GROUP`.
    public func setGroup(_ index: Int32, group: UInt32) throws(NetlinkError) {
        let message = linkRequest(RTM_NEWLINK, index: index)
        message.put(Int(IFLA_GROUP), u32: group)
        try perform(message, "RTM_NEWLINK index \(index) group \(group)")
    }

    /// Deletes every link of a device group in one request; returns false if the group has
    /// none. `ip link delete group <group>`
    ///
    /// The corresponding kernel message is `RTM_DELLINK` with index 0 and `IFLA_GROUP`. The
    /// kernel finds the members by walking the namespace's device list in memory.
    @discardableResult
    public func deleteLinks(inGroup group: UInt32) throws(NetlinkError) -> Bool {
        try deleteIfPresent(groupDeletionRequest(group), "RTM_DELLINK group \(group)")
    }

    func groupDeletionRequest(_ group: UInt32) -> MessageBuilder {
        let message = linkRequest(RTM_DELLINK, index: 0)
        message.put(Int(IFLA_GROUP), u32: group)
        return message
    }
}
#endif
