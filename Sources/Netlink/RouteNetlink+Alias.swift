#if canImport(Glibc)
import CNetlinkShims
import Glibc

extension RouteNetlink {
    /// Sets a link's alias, a free-text label the kernel keeps with the link (at most 255 bytes).
    /// The kernel ignores an alias in the request that creates a link, so it is set afterwards.
    ///
    /// `ip link set dev <index> alias <text>`
    ///
    /// The corresponding kernel message is `RTM_NEWLINK` with `IFLA_IFALIAS`.
    public func setAlias(_ index: Int32, _ alias: String) throws(NetlinkError) {
        let message = linkRequest(RTM_NEWLINK, index: index)
        message.put(Int(IFLA_IFALIAS), string: alias)
        try perform(message, "RTM_NEWLINK index \(index) alias \(alias)")
    }
}
#endif
