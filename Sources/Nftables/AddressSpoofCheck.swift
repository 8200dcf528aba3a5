import CNIProtocol

/// Address anti-spoofing (`ipspoofchk: true`) in `bridge nsbridge`: frames entering the bridge
/// from a container's port must carry the container's MAC (as Ethernet source, ARP sender and ND
/// link-layer option) and one of its addresses (as IPv4 source, ARP sender IP, IPv6 source and
/// NA target). It includes what `macspoofchk` checks, so either or both may be set.
///
/// Same constant-cost shape and ownership scheme as `MACSpoofCheck`, per network hash `H`:
///
/// ```
/// table bridge nsbridge {
///   map nsb-H-ipports { type ifname : verdict; elements = { "veth1234" comment "<owner>, mac: 02:…" : goto nsb-H-ipcheck } }
///   set nsb-H-ipmacs { type ifname . ether_addr; elements = { "veth1234" . 02:42:0a:58:00:05 } }
///   set nsb-H-ip4 { type ifname . ipv4_addr; elements = { "veth1234" . 10.88.0.5 } }
///   set nsb-H-ip6 { type ifname . ipv6_addr; elements = { "veth1234" . fd88::5, "veth1234" . fe80::42:aff:fe58:5 } }
///   chain nsb-H-ipprerouting { type filter hook prerouting priority -300; policy accept;
///     iifname vmap @nsb-H-ipports }
///   chain nsb-H-ipcheck { <checkRules: 15 rules, none per container> }
/// }
/// ```
/// The link-local address allowed is the EUI-64 one derived from the MAC, which is what the
/// kernel gives the container interface with `addr_gen_mode` 0; the plugin sets that mode on the
/// interface when `ipspoofchk` is on, so the address is known without asking the container.
///
/// The port's element names the MAC in its comment (after the owner prefix), so DEL, which runs
/// without the container, finds the MAC-derived keys by one read instead of a listing.
public struct AddressSpoofCheck: NetworkObjectsFeature {
    /// `bridge nsbridge`, shared with `MACSpoofCheck`.
    public static let table = MACSpoofCheck.table

    let transport: any NftablesTransport

    public init(transport: any NftablesTransport) {
        self.transport = transport
    }

    static func objects(hash: String) -> NetworkObjects {
        NetworkObjects(table, hash: hash, base: "ipprerouting", hook: .bridgePrerouting, target: "ipcheck",
                       dispatch: [("ipports", .interfaceName)],
                       owned: [("ipmacs", .concatenation([.interfaceName, .etherAddress])),
                               ("ip4", .concatenation([.interfaceName, .ipv4Address])),
                               ("ip6", .concatenation([.interfaceName, .ipv6Address]))])
    }

    static func rules(_ objects: NetworkObjects) -> (base: [[Expression]], target: [[Expression]]) {
        let base: [[Expression]] = [[.meta(.inputInterfaceName, into: .r1),
                                     .lookup(.r1, set: objects.dispatchMaps[0].name, verdictMap: true)]]
        let sets = objects.ownedSets.map(\.name)
        return (base, checkRules((macs: sets[0], ip4: sets[1], ip6: sets[2])))
    }

    /// The batch an ADD applies when the network's chains are missing or need repair.
    static func addBatch(network: String, attachment: Attachment, port: PortAddresses) -> Batch {
        Batch(part(network: network, attachment: attachment, port: port).fullOperations)
    }

    /// What ADD programs for `port` on `network` (see ``NetworkAddition``).
    public static func part(network: String, attachment: Attachment, port: PortAddresses) -> NetworkPart {
        let objects = objects(network: network)
        let (baseRules, targetRules) = rules(objects)
        return NetworkPart(objects: objects, baseRules: baseRules, targetRules: targetRules,
                           ruleComment: OwnerTag.ruleComment(network: network),
                           elements: elements(objects, network: network, attachment: attachment, port: port))
    }

    /// The port's dispatch element and its allowed MAC and addresses (the link-local one included).
    static func elements(_ objects: NetworkObjects, network: String, attachment: Attachment,
                         port: PortAddresses) -> [(set: NamedSet, element: SetElement)] {
        let owned = OwnerTag.elementComment(network: network, attachment: attachment)
        let portComment = OwnerTag.portComment(owner: OwnerTag.owner(network: network, attachment: attachment), mac: port.mac, owned)
        var elements: [(set: NamedSet, element: SetElement)] = [
            (objects.dispatchMaps[0], SetElement(key: SetElement.key(interfaceName: port.name), verdict: .goto(objects.target.name),
                                                 comment: portComment)),
        ]
        for (set, key) in keys(objects, port: port.name, mac: port.mac, addresses: port.addresses) {
            elements.append((set, SetElement(key: key, comment: owned)))
        }
        return elements
    }

    /// Keys of the owned sets for a port: its MAC, its addresses and its EUI-64 link-local address.
    static func keys(_ objects: NetworkObjects, port: String, mac: [UInt8]?, addresses: [IPAddress]) -> [(NamedSet, [UInt8])] {
        var keys: [(NamedSet, [UInt8])] = []
        var all = addresses
        if let mac {
            keys.append((objects.ownedSets[0], SetElement.key(interfaceName: port, mac: mac)))
            all.append(linkLocal(mac: mac))
        }
        for address in all {
            keys.append((objects.ownedSets[address.family == .v4 ? 1 : 2], SetElement.key(interfaceName: port) + address.bytes))
        }
        return keys
    }

    /// The link-local address the kernel derives from `mac` by modified EUI-64 (RFC 4291 appendix A).
    public static func linkLocal(mac: [UInt8]) -> IPAddress {
        let identifier = [mac[0] ^ 0x02, mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]]
        return IPAddress(bytes: [0xfe, 0x80, 0, 0, 0, 0, 0, 0] + identifier)!
    }
}

/// A container's port as `ipspoofchk` sees it.
public struct PortAddresses: Equatable, Sendable {
    /// The host-side veth (the bridge port).
    public var name: String
    public var mac: [UInt8]
    public var addresses: [IPAddress]

    public init(name: String, mac: [UInt8], addresses: [IPAddress]) {
        self.name = name
        self.mac = mac
        self.addresses = addresses
    }
}
