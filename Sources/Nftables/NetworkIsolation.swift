import CNIProtocol

/// Isolation between networks (`isolate: true`) in `inet nsbridge`: traffic that the host
/// forwards between an isolated network's bridge and the bridge of any other nsbridge network is
/// dropped, both ways. Traffic to and from the host itself, the outside, and connections to
/// published ports (destination-NATed, so `ct status dnat`) keep working; networks without
/// `isolate` keep talking to each other as before.
///
/// Which bridges are nsbridge's: every bridge the plugin uses is put in interface group
/// `bridgeGroup` (`ip link set <bridge> group 0x6e736272`), so one `meta iifgroup`/`oifgroup`
/// comparison recognises all of them without listing them anywhere. Per isolated network `N`
/// (hash `H`, bridge `B`), with no rule per container:
///
/// ```
/// table inet nsbridge {
///   map nsb-H-dst4 { type ipv4_addr : verdict; elements = { 10.88.0.5 comment "<owner>…" : goto nsb-H-isolate } }
///   map nsb-H-dst6 { type ipv6_addr : verdict; … }
///   chain nsb-H-forward { type filter hook forward priority -10; policy accept;
///     ip daddr vmap @nsb-H-dst4
///     ip6 daddr vmap @nsb-H-dst6
///     iifname "B" oifname != "B" ct status & dnat == 0 oifgroup 0x6e736272 drop }
///   chain nsb-H-isolate {
///     ct status dnat return
///     iifname "B" oifname "B" return
///     meta iifgroup 0x6e736272 meta oifgroup 0x6e736272 drop }
/// }
/// ```
/// Traffic leaving `B` is caught by its input bridge; traffic towards `B` by its destination,
/// a container address of `N` (the elements, which also give the objects the same per-attachment
/// lifecycle as masquerade: the last DEL removes them, GC collects strays). Spoofed sources do
/// not matter here: the decision uses the bridge a packet came from and the address it goes to.
public struct NetworkIsolation: NetworkObjectsFeature {
    /// `inet nsbridge`, shared with `MasqueradeFirewall`.
    public static let table = MasqueradeFirewall.table
    /// The interface group of every bridge nsbridge uses ("nsbr").
    public static let bridgeGroup: UInt32 = 0x6e73_6272
    /// `IPS_DST_NAT`: the connection's destination was translated (a published port).
    static let destinationNATStatus: UInt32 = 0x20

    let transport: any NftablesTransport

    public init(transport: any NftablesTransport) {
        self.transport = transport
    }

    static func objects(hash: String) -> NetworkObjects {
        NetworkObjects(table, hash: hash, base: "forward", hook: .isolationForward, target: "isolate",
                       dispatch: [("dst4", .ipv4Address), ("dst6", .ipv6Address)])
    }

    /// The rules are written with the bridge name, so the comment names it too: a network whose
    /// bridge changed no longer matches the fast path's comment check and is rebuilt.
    static func ruleComment(network: String, bridge: String) -> String {
        OwnerTag.ruleComment(network: network) + ", bridge: " + bridge
    }

    /// Traffic towards the network is dispatched by destination address to the isolate chain;
    /// traffic from its bridge is judged by one rule in the base chain itself, since a rule that
    /// jumped to the isolate chain would hold it in use and keep the last DEL from removing it.
    static func rules(_ objects: NetworkObjects, bridge: String) -> (base: [[Expression]], target: [[Expression]]) {
        let bridgeName = SetElement.key(interfaceName: bridge)
        let input: [Expression] = [.meta(.inputInterfaceName, into: .r1), .compare(.r1, .equal, bridgeName)]
        let output: [Expression] = [.meta(.outputInterfaceName, into: .r1), .compare(.r1, .equal, bridgeName)]
        let group = hostOrder(bridgeGroup)
        let published: [Expression] = [.conntrack(.status, into: .r1),
                                       .bitwise(.r1, mask: hostOrder(destinationNATStatus), xor: [0, 0, 0, 0])]
        let towards: [[Expression]] = IPFamily.allCases.enumerated().map { index, family in
            Expression.protocolFamily(family) + [
                .payload(.network, offset: family == .v4 ? 16 : 24, length: family == .v4 ? 4 : 16, into: .r1),
                .lookup(.r1, set: objects.dispatchMaps[index].name, verdictMap: true),
            ]
        }
        let leaving = input + [.meta(.outputInterfaceName, into: .r1), .compare(.r1, .notEqual, bridgeName)]
            + published + [.compare(.r1, .equal, [0, 0, 0, 0]),
                           .meta(.outputInterfaceGroup, into: .r1), .compare(.r1, .equal, group), .verdict(.drop)]
        let target: [[Expression]] = [
            published + [.compare(.r1, .notEqual, [0, 0, 0, 0]), .verdict(.return)],
            input + output + [.verdict(.return)],
            [.meta(.inputInterfaceGroup, into: .r1), .compare(.r1, .equal, group),
             .meta(.outputInterfaceGroup, into: .r1), .compare(.r1, .equal, group), .verdict(.drop)],
        ]
        return (towards + [leaving], target)
    }

    /// The map and element that send traffic towards `address` through the isolation check.
    static func dispatchElement(_ objects: NetworkObjects, network: String, attachment: Attachment,
                                address: IPAddress) -> (set: NamedSet, element: SetElement) {
        let comment = OwnerTag.elementComment(network: network, attachment: attachment)
        let map = objects.dispatchMaps[address.family == .v4 ? 0 : 1]
        return (map, SetElement(key: SetElement.key(address), verdict: .goto(objects.target.name), comment: comment))
    }

    /// The batch an ADD applies when the network's chains are missing or need repair.
    static func addBatch(network: String, attachment: Attachment, bridge: String, addresses: [IPAddress]) -> Batch {
        Batch(part(network: network, attachment: attachment, bridge: bridge, addresses: addresses).fullOperations)
    }

    /// What ADD programs for `addresses` on `network` (see ``NetworkAddition``).
    public static func part(network: String, attachment: Attachment, bridge: String, addresses: [IPAddress]) -> NetworkPart {
        let objects = objects(network: network)
        let (baseRules, targetRules) = rules(objects, bridge: bridge)
        return NetworkPart(objects: objects, baseRules: baseRules, targetRules: targetRules,
                           ruleComment: ruleComment(network: network, bridge: bridge),
                           elements: addresses.map { dispatchElement(objects, network: network, attachment: attachment, address: $0) })
    }

    /// nft stores `meta` and `ct` integers in host byte order.
    private static func hostOrder(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }
}

extension Chain.Hook {
    /// `type filter hook forward priority -10; policy accept;`
    public static let isolationForward = Chain.Hook(type: "filter", hook: 2, priority: -10)
}
