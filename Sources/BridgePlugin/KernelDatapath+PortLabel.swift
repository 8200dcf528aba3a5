#if canImport(Glibc)
import Glibc
import Netlink

extension KernelDatapath {
    /// Records the owner on a new host end and keeps it from getting an IPv6 address of its own
    /// (see ``RouteNetlink/setPortLabel(_:alias:)``). On a host without IPv6 state for the link
    /// there is no address to keep away, and the alias alone is set.
    func labelHostEnd(_ index: Int32, owner: String) throws(NetlinkError) {
        do {
            try hostNetlink.setPortLabel(index, alias: owner)
        } catch where error.errno == EAFNOSUPPORT {
            try hostNetlink.setAlias(index, owner)
        }
    }
}
#endif
