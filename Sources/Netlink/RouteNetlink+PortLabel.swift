#if canImport(Glibc)
import CNetlinkShims
import Glibc

extension RouteNetlink {
    /// Labels a bridge port with its owner, turns off IPv6 address generation on it and brings
    /// it up, in one request, before the port gets carrier.
    ///
    /// `ip link set dev <index> up alias <text> addrgenmode none`
    ///
    /// Why "up" rides here rather than in the creating request: a veth end created up and
    /// enslaved at once is still "operstate unknown" when the bridge adds it, so the bridge
    /// enables the port, and disables it again when the missing carrier is noticed, and enables
    /// it a third time when the container end comes up. Each time it walks every port (and re-arms
    /// two multicast query timers per port). Created down and brought up here, after a read of
    /// the link has settled its state to "down", the port is enabled once, at carrier.
    ///
    /// A bridge port forwards frames and never uses an address of its own, yet with the default
    /// mode the kernel gives it an IPv6 link-local address when it gets carrier: one more address,
    /// local route, duplicate address detection and MLD join in the host namespace per container.
    /// The mode only matters when the link next gets carrier, hence "before".
    ///
    /// The corresponding kernel message is `RTM_NEWLINK` with `IFF_UP` in `ifi_flags` and
    /// `ifi_change`, `IFLA_IFALIAS` and `IFLA_AF_SPEC`
    /// holding an `AF_INET6` nest with `IFLA_INET6_ADDR_GEN_MODE` (`IN6_ADDR_GEN_MODE_NONE` = 1).
    /// The kernel refuses the `AF_SPEC` part at link creation, so this is a separate request.
    /// - Throws: `NetlinkError` with errno `EAFNOSUPPORT` when the link has no IPv6 state at all
    ///   (IPv6 disabled at boot, or an MTU below 1280); nothing is changed then.
    public func setPortLabel(_ index: Int32, alias: String) throws(NetlinkError) {
        let message = request(Int(RTM_NEWLINK))
        var header = ifinfomsg()
        header.ifi_index = index
        header.ifi_flags = UInt32(IFF_UP)
        header.ifi_change = UInt32(IFF_UP)
        message.append(header)
        message.put(Int(IFLA_IFALIAS), string: alias)
        message.nest(Int(IFLA_AF_SPEC)) {
            message.nest(Int(AF_INET6)) {
                message.put(Int(IFLA_INET6_ADDR_GEN_MODE), u8: UInt8(IN6_ADDR_GEN_MODE_NONE.rawValue))
            }
        }
        try perform(message, "RTM_NEWLINK index \(index) up alias \(alias) addrgenmode none")
    }
}
#endif
