#if canImport(Glibc)
import Glibc

/// Announces an interface's IPv6 addresses to its link: an unsolicited neighbour advertisement
/// (override flag set) per address, so that every neighbour holding an entry for a reused address
/// switches to the new MAC at once. (IPv4 addresses are announced by the kernel itself, asked over
/// rtnetlink: see `RouteNetlink.announceIPv4`.)
///
/// Why the plugin sends these itself: the kernel's own announcement goes out when the container
/// end comes up, which is before the bridge has enabled the host end as a port (that waits for
/// carrier), so the bridge drops it. Sent after the carrier wait, they arrive. Receivers update
/// an entry they already have and do not create new ones, so nothing is learnt that was not
/// already asked for.
public enum NeighbourAnnouncement {
    /// The ICMPv6 message of an unsolicited neighbour advertisement for `address` with the
    /// override flag and a target link-layer address option (RFC 4861 §4.4, §7.2.6). The checksum
    /// is left zero: the kernel fills it in for ICMPv6 raw sockets.
    public static func unsolicitedAdvertisement(mac: [UInt8], address: [UInt8]) -> [UInt8] {
        [136, 0, 0, 0, 0x20, 0, 0, 0] + address + [2, 1] + mac
    }

    /// Sends the advertisements from inside `namespace` through interface `index`.
    /// - Throws: `SystemError` if a socket cannot be opened or a message cannot be sent.
    public static func send(in namespace: NetworkNamespace, interface index: Int32, mac: [UInt8], ipv6: [[UInt8]]) throws {
        // Sockets belong to the namespace of the thread that creates them; they are used there too.
        try namespace.withEntered { try sendAdvertisements(interface: index, mac: mac, addresses: ipv6) }
    }

    /// One socket per address, bound to it, so each advertisement's source is the address it
    /// announces (the link-local address may still be missing right after the link came up).
    private static func sendAdvertisements(interface index: Int32, mac: [UInt8], addresses: [[UInt8]]) throws(SystemError) {
        let allNodes = socketAddress(ipv6: [0xff, 0x02] + [UInt8](repeating: 0, count: 13) + [0x01], scope: index)
        for address in addresses {
            let fd = try valueOrErrno("socket(AF_INET6, ICMPv6)") {
                socket(AF_INET6, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(IPPROTO_ICMPV6))
            }
            defer { close(fd) }
            // Neighbour discovery is accepted only with hop limit 255 (RFC 4861 §7.1.2).
            var hops: Int32 = 255
            _ = try valueOrErrno("setsockopt(IPV6_MULTICAST_HOPS)") {
                setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_HOPS, &hops, socklen_t(MemoryLayout<Int32>.size))
            }
            let source = socketAddress(ipv6: address, scope: 0)
            _ = try valueOrErrno("bind ICMPv6 socket") {
                source.withUnsafeBytes { bind(fd, $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count)) }
            }
            try sendMessage(fd, unsolicitedAdvertisement(mac: mac, address: address), to: allNodes, "send neighbour advertisement")
        }
    }

    /// `struct sockaddr_in6`: family, port, flow info, address, scope id.
    private static func socketAddress(ipv6 address: [UInt8], scope: Int32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 28)
        withUnsafeBytes(of: UInt16(AF_INET6)) { bytes.replaceSubrange(0..<2, with: $0) }
        bytes.replaceSubrange(8..<24, with: address)
        withUnsafeBytes(of: scope) { bytes.replaceSubrange(24..<28, with: $0) }
        return bytes
    }

    private static func sendMessage(_ fd: Int32, _ message: [UInt8], to address: [UInt8], _ what: String) throws(SystemError) {
        _ = try valueOrErrno(what) {
            message.withUnsafeBytes { body in
                address.withUnsafeBytes { target in
                    sendto(fd, body.baseAddress, body.count, 0, target.baseAddress?.assumingMemoryBound(to: sockaddr.self),
                           socklen_t(target.count))
                }
            }
        }
    }
}
#endif
