#if canImport(Glibc)
import CNetlinkShims
import Glibc

extension RouteNetlink {
    /// Labels a bridge port with its owner and turns off IPv6 address generation on it, in one
    /// request, before the port gets carrier.
    ///
    /// `ip link set dev <index> alias <text> addrgenmode none`
    ///
    /// A bridge port forwards frames and never uses an address of its own, yet with the default
    /// mode the kernel gives it an IPv6 link-local address when it gets carrier: one more address,
    /// local route, duplicate address detection and MLD join in the host namespace per container.
    /// The mode only matters when the link next gets carrier, hence "before".
    ///
    /// The corresponding kernel message is `RTM_NEWLINK` with `IFLA_IFALIAS` and `IFLA_AF_SPEC`
    /// holding an `AF_INET6` nest with `IFLA_INET6_ADDR_GEN_MODE` (`IN6_ADDR_GEN_MODE_NONE` = 1).
    /// The kernel refuses the `AF_SPEC` part at link creation, so this is a separate request.
    /// - Throws: `NetlinkError` with errno `EAFNOSUPPORT` when the link has no IPv6 state at all
    ///   (IPv6 disabled at boot, or an MTU below 1280); nothing is changed then.
    public func setPortLabel(_ index: Int32, alias: String) throws(NetlinkError) {
        let message = linkRequest(RTM_NEWLINK, index: index)
        message.put(Int(IFLA_IFALIAS), string: alias)
        message.nest(Int(IFLA_AF_SPEC)) {
            message.nest(Int(AF_INET6)) {
                message.put(Int(IFLA_INET6_ADDR_GEN_MODE), u8: UInt8(IN6_ADDR_GEN_MODE_NONE.rawValue))
            }
        }
        try perform(message, "RTM_NEWLINK index \(index) alias \(alias) addrgenmode none")
    }
}
#endif
