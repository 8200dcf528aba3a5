// The rules of `ipspoofchk`'s check chain, as VM expressions. Each rule tests one property of a
// frame that came in through a container's port and drops it when the property is not the
// container's own. The per-port facts live in three sets keyed by port name, so the rules are
// the same for every container:
//   macs: ifname . ether_addr     ip4: ifname . ipv4_addr     ip6: ifname . ipv6_addr

extension AddressSpoofCheck {
    enum EtherType {
        static let ipv4: [UInt8] = [0x08, 0x00]
        static let arp: [UInt8] = [0x08, 0x06]
        static let ipv6: [UInt8] = [0x86, 0xdd]
        static let vlan: [UInt8] = [0x81, 0x00]
        static let serviceVLAN: [UInt8] = [0x88, 0xa8]
    }

    enum ICMPv6Type {
        static let routerSolicitation: UInt8 = 133
        static let routerAdvertisement: UInt8 = 134
        static let neighbourSolicitation: UInt8 = 135
        static let neighbourAdvertisement: UInt8 = 136
        static let redirect: UInt8 = 137
    }

    /// The check chain's rules, in the order the kernel walks them.
    static func checkRules(_ sets: (macs: String, ip4: String, ip6: String)) -> [[Expression]] {
        let drop = Expression.verdict(.drop)
        var rules: [[Expression]] = [
            // ether saddr must be the port's MAC.
            [port, .payload(.linkLayer, offset: 6, length: 6, into: .r2), .lookupAbsent(.r1, set: sets.macs), drop],
            // A tagged frame would carry its addresses past every check below.
            etherType(EtherType.vlan) + [drop],
            etherType(EtherType.serviceVLAN) + [drop],
            // ip saddr must be one of the port's IPv4 addresses.
            etherType(EtherType.ipv4) + [port, .payload(.network, offset: 12, length: 4, into: .r2),
                                         .lookupAbsent(.r1, set: sets.ip4), drop],
        ]
        rules += arpRules(sets) + ipv6Rules(sets)
        return rules
    }

    /// ARP must be Ethernet/IPv4 with the port's MAC as sender and one of its addresses as
    /// sender IP; 0.0.0.0 is allowed as sender IP, which is how an ARP probe (RFC 5227) asks
    /// whether an address is free without claiming it.
    private static func arpRules(_ sets: (macs: String, ip4: String, ip6: String)) -> [[Expression]] {
        let arp = etherType(EtherType.arp)
        return [
            // htype 1, ptype 0x0800, hlen 6, plen 4: the only layout the fields below describe.
            arp + [.payload(.network, offset: 0, length: 6, into: .r1),
                   .compare(.r1, .notEqual, [0x00, 0x01, 0x08, 0x00, 0x06, 0x04]), .verdict(.drop)],
            arp + [port, .payload(.network, offset: 8, length: 6, into: .r2), .lookupAbsent(.r1, set: sets.macs), .verdict(.drop)],
            arp + [.payload(.network, offset: 14, length: 4, into: .r2), .compare(.r2, .notEqual, [0, 0, 0, 0]),
                   port, .lookupAbsent(.r1, set: sets.ip4), .verdict(.drop)],
        ]
    }

    /// IPv6 source must be one of the port's addresses (its link-local one included), or `::`
    /// for ICMPv6 only (duplicate address detection and its MLD reports). Router advertisements
    /// and redirects from a container are dropped: they would steer every neighbour's routes.
    /// Neighbour advertisements may only announce the port's own addresses, and the link-layer
    /// option of RS, NS and NA, where it comes first, must carry the port's MAC.
    private static func ipv6Rules(_ sets: (macs: String, ip4: String, ip6: String)) -> [[Expression]] {
        let ipv6 = etherType(EtherType.ipv6)
        let icmpv6 = ipv6 + [.meta(.layer4Protocol, into: .r1), .compare(.r1, .equal, [58])]
        let unspecified = [UInt8](repeating: 0, count: 16)
        let source: Expression = .payload(.network, offset: 8, length: 16, into: .r2)
        return [
            ipv6 + [source, .compare(.r2, .notEqual, unspecified), port, .lookupAbsent(.r1, set: sets.ip6), .verdict(.drop)],
            ipv6 + [source, .compare(.r2, .equal, unspecified), .meta(.layer4Protocol, into: .r1),
                    .compare(.r1, .notEqual, [58]), .verdict(.drop)],
            icmpv6 + icmpType(ICMPv6Type.routerAdvertisement) + [.verdict(.drop)],
            icmpv6 + icmpType(ICMPv6Type.redirect) + [.verdict(.drop)],
            icmpv6 + icmpType(ICMPv6Type.neighbourAdvertisement)
                + [port, .payload(.transport, offset: 8, length: 16, into: .r2), .lookupAbsent(.r1, set: sets.ip6), .verdict(.drop)],
            icmpv6 + icmpType(ICMPv6Type.routerSolicitation) + linkLayerOption(type: 1, at: 8, sets.macs),
            icmpv6 + icmpType(ICMPv6Type.neighbourSolicitation) + linkLayerOption(type: 1, at: 24, sets.macs),
            icmpv6 + icmpType(ICMPv6Type.neighbourAdvertisement) + linkLayerOption(type: 2, at: 24, sets.macs),
        ]
    }

    /// `iifname` into register 1, the first field of every key.
    private static var port: Expression { .meta(.inputInterfaceName, into: .r1) }

    /// `ether type <type>`
    private static func etherType(_ type: [UInt8]) -> [Expression] {
        [.payload(.linkLayer, offset: 12, length: 2, into: .r1), .compare(.r1, .equal, type)]
    }

    /// `icmpv6 type <type>`
    private static func icmpType(_ type: UInt8) -> [Expression] {
        [.payload(.transport, offset: 0, length: 1, into: .r1), .compare(.r1, .equal, [type])]
    }

    /// Drops when the ND option at `offset` has `type` (1 source, 2 target link-layer address)
    /// and its address is not the port's MAC. A message too short to have the option does not
    /// match (the payload load fails), so messages without options pass.
    private static func linkLayerOption(type: UInt8, at offset: UInt32, _ macs: String) -> [Expression] {
        [.payload(.transport, offset: offset, length: 1, into: .r1), .compare(.r1, .equal, [type]),
         port, .payload(.transport, offset: offset + 2, length: 6, into: .r2), .lookupAbsent(.r1, set: macs), .verdict(.drop)]
    }
}
