import CNIProtocol
#if canImport(Glibc)
import Glibc
#endif

/// MAC anti-spoofing (`macspoofchk: true`) in nsbridge's own table `bridge nsbridge`: frames
/// that enter the bridge from a container's host-side veth with a source MAC other than the
/// container's are dropped.
///
/// Same constant-cost shape as `MasqueradeFirewall` (see its documentation for the
/// concurrency and ownership reasoning), per network `N` with hash `H`:
///
/// ```
/// table bridge nsbridge {
///   map nsb-H-ports { type ifname : verdict; elements = { "veth1234" comment "…" : goto nsb-H-macs } }
///   set nsb-H-allowed { type ifname . ether_addr; elements = { "veth1234" . 02:42:0a:58:00:05 comment "…" } }
///   chain nsb-H-prerouting { type filter hook prerouting priority -300; policy accept;
///     iifname vmap @nsb-H-ports }
///   chain nsb-H-macs {
///     iifname . ether saddr @nsb-H-allowed return
///     drop }
/// }
/// ```
/// Frames from ports not in the map (the uplink, other networks) are not looked at further.
public struct MACSpoofCheck {
    /// `bridge nsbridge`.
    public static let table = Table(family: .bridge, name: "nsbridge")

    private let transport: any NftablesTransport

    public init(transport: any NftablesTransport) {
        self.transport = transport
    }

    static func objects(network: String) -> NetworkObjects {
        objects(hash: OwnerTag.networkHash(network))
    }

    static func objects(hash: String) -> NetworkObjects {
        NetworkObjects(
            table: table,
            base: Chain(table: table, name: "nsb-\(hash)-prerouting", hook: .bridgePrerouting),
            target: Chain(table: table, name: "nsb-\(hash)-macs"),
            dispatchMaps: [NamedSet(table: table, name: "nsb-\(hash)-ports", key: .interfaceName, isVerdictMap: true)],
            ownedSets: [NamedSet(table: table, name: "nsb-\(hash)-allowed", key: .concatenation([.interfaceName, .etherAddress]))])
    }

    /// The batch an ADD applies.
    /// - Throws: `NftablesError` (EINVAL) if `mac` is not `xx:xx:xx:xx:xx:xx`.
    static func addBatch(network: String, attachment: Attachment, hostInterface: String, mac: String) throws -> Batch {
        guard let macBytes = MACAddress(mac)?.bytes else {
            throw NftablesError("parse MAC address \(mac)", errno: EINVAL)
        }
        let objects = objects(network: network)
        let (baseRules, targetRules) = rules(objects)
        var operations = objects.setup(baseRules: baseRules, targetRules: targetRules,
                                       comment: OwnerTag.ruleComment(network: network))
        for (set, element) in elements(objects, network: network, attachment: attachment, hostInterface: hostInterface, mac: macBytes) {
            operations += NetworkObjects.replace(element, in: set)
        }
        return Batch(operations)
    }

    /// The prerouting chain's dispatch rule, and the check chain's "allowed pair returns, else drop".
    static func rules(_ objects: NetworkObjects) -> (base: [[Expression]], target: [[Expression]]) {
        let interfaceName: Expression = .meta(.inputInterfaceName, into: .r1)
        let base: [[Expression]] = [[interfaceName, .lookup(.r1, set: objects.dispatchMaps[0].name, verdictMap: true)]]
        let target: [[Expression]] = [
            [interfaceName, .payload(.linkLayer, offset: 6, length: 6, into: .r2),
             .lookup(.r1, set: objects.ownedSets[0].name, verdictMap: false), .verdict(.return)],
            [.verdict(.drop)],
        ]
        return (base, target)
    }

    /// The port's entry in the dispatch map and its allowed (port, MAC) pair.
    static func elements(_ objects: NetworkObjects, network: String, attachment: Attachment, hostInterface: String,
                         mac: [UInt8]) -> [(set: NamedSet, element: SetElement)] {
        let comment = OwnerTag.elementComment(network: network, attachment: attachment)
        return [
            (objects.dispatchMaps[0],
             SetElement(key: SetElement.key(interfaceName: hostInterface), verdict: .goto(objects.target.name), comment: comment)),
            (objects.ownedSets[0], SetElement(key: SetElement.key(interfaceName: hostInterface, mac: mac), comment: comment)),
        ]
    }

    /// Drops frames from `hostInterface` whose source MAC is not `mac`.
    ///
    /// `nft add element bridge nsbridge nsb-H-ports { "<hostInterface>" : goto nsb-H-macs }` and
    /// `nft add element bridge nsbridge nsb-H-allowed { "<hostInterface>" . <mac> }`, after creating
    /// or repairing the network's chains, all in one transaction.
    /// - Parameters:
    ///   - hostInterface: the host-side veth attached to the bridge.
    ///   - mac: the container interface's MAC address, `xx:xx:xx:xx:xx:xx`.
    /// - Throws: `NftablesError`.
    public func add(network: String, attachment: Attachment, hostInterface: String, mac: String) throws {
        if let macBytes = MACAddress(mac)?.bytes {
            let objects = Self.objects(network: network)
            let elements = Self.elements(objects, network: network, attachment: attachment, hostInterface: hostInterface, mac: macBytes)
            let (baseRules, targetRules) = Self.rules(objects)
            let ready = try objects.addElementsIfReady(
                elements, baseRuleCount: baseRules.count, targetRuleCount: targetRules.count,
                ruleComment: OwnerTag.ruleComment(network: network), transport: transport)
            if ready { return }
        }
        try transport.apply(Self.addBatch(network: network, attachment: attachment, hostInterface: hostInterface, mac: mac))
    }

    /// Removes the attachment's elements, and the network's chains and sets if it was the
    /// last attachment. Succeeds if nothing is there.
    /// - Parameters:
    ///   - hostInterface, mac: if both are still known, DEL reads just those two elements;
    ///     otherwise it lists the network's map and set.
    /// - Throws: `NftablesError`.
    public func remove(network: String, attachment: Attachment, hostInterface: String? = nil, mac: String? = nil) throws {
        let objects = Self.objects(network: network)
        let owner = OwnerTag.owner(network: network, attachment: attachment)
        let macBytes = mac.flatMap { MACAddress($0)?.bytes }
        let portKeys = hostInterface.map { [SetElement.key(interfaceName: $0)] }
        let allowedKeys = hostInterface.flatMap { name in macBytes.map { [SetElement.key(interfaceName: name, mac: $0)] } }
        let outcome = try StaleElementRemover(transport: transport).remove(
            from: [(set: objects.dispatchMaps[0], keys: portKeys), (set: objects.ownedSets[0], keys: allowedKeys)]
        ) { OwnerTag.ownerPrefix(of: $0) == owner }
        if outcome.removedAny || outcome.sawNetwork {
            try transport.removeIfUnused(objects)
        }
    }

    /// Verifies the network's chains and that `hostInterface` is checked against `mac` on
    /// behalf of `attachment`.
    /// - Throws: `MissingFirewallState` naming every missing item; `NftablesError`.
    public func check(network: String, attachment: Attachment, hostInterface: String, mac: String) throws {
        let objects = Self.objects(network: network)
        var missing = try MasqueradeFirewall.missingChains(objects, transport: transport, baseRuleCount: 1, minimumTargetRules: 2)
        let owner = OwnerTag.owner(network: network, attachment: attachment)
        var wanted: [(NamedSet, [UInt8], String)] = [
            (objects.dispatchMaps[0], SetElement.key(interfaceName: hostInterface), "port \"\(hostInterface)\"")
        ]
        if let macBytes = MACAddress(mac)?.bytes {
            wanted.append((objects.ownedSets[0], SetElement.key(interfaceName: hostInterface, mac: macBytes),
                           "allowed \"\(hostInterface)\" . \(mac)"))
        } else {
            missing.append("valid MAC address (got \(mac))")
        }
        for (set, key, what) in wanted {
            let found = try transport.elements(of: set, keys: [key])?.first
            let place = "spoof-check element \(what) in \(set.table) \(set.name)"
            if found == nil {
                missing.append(place)
            } else if OwnerTag.ownerPrefix(of: found?.comment) != owner {
                missing.append("\(place) belongs to another attachment (\(found?.comment ?? "no comment"))")
            }
        }
        if !missing.isEmpty { throw MissingFirewallState(missing: missing) }
    }

    /// Deletes the network's elements whose owner is not in `valid`, then the network's
    /// objects if none remain.
    /// - Throws: `NftablesError`.
    public func garbageCollect(network: String, valid: Set<Attachment>) throws {
        let objects = Self.objects(network: network)
        let owners = Set(valid.map { OwnerTag.owner(network: network, attachment: $0) })
        let outcome = try StaleElementRemover(transport: transport)
            .remove(from: (objects.dispatchMaps + objects.ownedSets).map { (set: $0, keys: nil) }) { comment in
                guard let owner = OwnerTag.ownerPrefix(of: comment) else { return true }
                return !owners.contains(owner)
            }
        if outcome.removedAny || outcome.sawNetwork {
            try transport.removeIfUnused(objects)
        }
    }

    /// Removes every network's objects except those of `networks`, whatever they contain.
    /// - Throws: `NftablesError`.
    public func removeNetworks(keeping networks: Set<String>) throws {
        try removeForeignNetworks(table: Self.table, keeping: networks, transport: transport, objects: Self.objects(hash:))
    }
}
