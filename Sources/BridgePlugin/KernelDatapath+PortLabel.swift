#if canImport(Glibc)
import Glibc
import Netlink

extension KernelDatapath {
    /// Records the owner on a new host end, keeps it from getting an IPv6 address of its own and
    /// brings it up (it is created down: see ``RouteNetlink/setPortLabel(_:alias:)``). On a host
    /// without IPv6 state for the link there is no address to keep away, and the alias is set and
    /// the link brought up in two requests.
    ///
    /// IPv6 is then switched off on the port altogether (`disable_ipv6`), before it gets carrier:
    /// even without an address, carrier makes the kernel add a `multicast ff00::/8` route per
    /// port to the host's local table, so the host's IPv6 FIB grew by one route per container,
    /// and every link event in the host namespace (each ADD's and DEL's among them) walked it
    /// (`fib6_clean_all`: ~4 % of ADD's and DEL's CPU with 1,000 attached). Bridged IPv6 frames
    /// never reach the port's own IPv6 stack, so containers see no difference. The setting has
    /// no netlink attribute (`IFLA_INET6_CONF` is read-only); a failed write only leaves the
    /// route, so it is not an error.
    func labelHostEnd(_ index: Int32, named name: String, owner: String) throws(NetlinkError) {
        do {
            try hostNetlink.setPortLabel(index, alias: owner)
        } catch where error.errno == EAFNOSUPPORT {
            try hostNetlink.setAlias(index, owner)
            try hostNetlink.setUp(index)
            return
        }
        try? hostSysctl.set("net/ipv6/conf/\(name)/disable_ipv6", "1")
    }
}
#endif
