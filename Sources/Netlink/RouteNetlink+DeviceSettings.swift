#if canImport(Glibc)
import CNetlinkShims
import Glibc

/// A per-device IPv4 setting, as `/proc/sys/net/ipv4/conf/<device>/<name>` shows it.
public struct IPv4DeviceSetting: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `arp_notify`: announce the device's addresses with gratuitous ARP when it comes up.
    public static let arpNotify = IPv4DeviceSetting(rawValue: UInt16(IPV4_DEVCONF_ARP_NOTIFY))
}

extension RouteNetlink {
    /// Sets per-device IPv4 settings through netlink instead of `/proc/sys`, so that a device in
    /// another namespace needs no thread entering that namespace.
    ///
    /// `sysctl -w net.ipv4.conf.<device>.<setting>=<value>`
    ///
    /// The corresponding kernel message is `RTM_NEWLINK` with `IFLA_AF_SPEC` holding an `AF_INET`
    /// nest with `IFLA_INET_CONF` (one attribute per setting, numbered as `IPV4_DEVCONF_*`).
    public func setIPv4Settings(_ index: Int32, _ settings: [IPv4DeviceSetting: UInt32]) throws(NetlinkError) {
        let message = linkRequest(RTM_NEWLINK, index: index)
        message.nest(Int(IFLA_AF_SPEC)) {
            message.nest(Int(AF_INET)) {
                message.nest(Int(IFLA_INET_CONF)) {
                    for (setting, value) in settings.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                        message.put(Int(setting.rawValue), u32: value)
                    }
                }
            }
        }
        try perform(message, "RTM_NEWLINK index \(index) ipv4 conf \(settings.map { "\($0.key.rawValue)=\($0.value)" })")
    }
}
#endif
