#if canImport(Glibc)
import CNetlinkShims

extension IPv4DeviceSetting {
    /// `route_localnet`: route packets with a `127.0.0.0/8` source or destination through the
    /// device instead of dropping them as martians.
    public static let routeLocalnet = IPv4DeviceSetting(rawValue: UInt16(IPV4_DEVCONF_ROUTE_LOCALNET))
}
#endif
