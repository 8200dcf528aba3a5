#if canImport(Glibc)
import CNetlinkShims
import Glibc

extension RouteNetlink {
    /// Makes the kernel derive the link's IPv6 link-local address from its MAC by EUI-64, whatever
    /// the namespace's default; takes effect when the link next comes up.
    ///
    /// `ip link set dev <index> addrgenmode eui64`
    ///
    /// The corresponding kernel message is `RTM_NEWLINK` with `IFLA_AF_SPEC` holding an
    /// `AF_INET6` nest with `IFLA_INET6_ADDR_GEN_MODE` (u8, `IN6_ADDR_GEN_MODE_EUI64` = 0).
    public func setEUI64AddressGeneration(_ index: Int32) throws(NetlinkError) {
        let message = linkRequest(RTM_NEWLINK, index: index)
        message.nest(Int(IFLA_AF_SPEC)) {
            message.nest(Int(AF_INET6)) {
                message.put(Int(IFLA_INET6_ADDR_GEN_MODE), u8: UInt8(IN6_ADDR_GEN_MODE_EUI64.rawValue))
            }
        }
        try perform(message, "RTM_NEWLINK index \(index) addrgenmode eui64")
    }
}
#endif
