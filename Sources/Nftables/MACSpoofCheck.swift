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
///   map nsb-H-ports { type ifname : verdict; elements = { "veth1234" comment "<owner>, mac: 02:…" : goto nsb-H-macs } }
///   set nsb-H-allowed { type ifname . ether_addr; elements = { "veth1234" . 02:42:0a:58:00:05 comment "…" } }
///   chain nsb-H-prerouting { type filter hook prerouting priority -300; policy accept;
///     iifname vmap @nsb-H-ports }
///   chain nsb-H-macs {
///     iifname . ether saddr @nsb-H-allowed return
///     drop }
/// }
/// ```
/// Frames from ports not in the map (the uplink, other networks) are not looked at further.
/// The port's element names the MAC (`OwnerTag.portComment`), so DEL reads the allowed pair by
/// its key and never lists the set.
public struct MACSpoofCheck: NetworkObjectsFeature {
    /// `bridge nsbridge`.
    public static let table = Table(family: .bridge, name: "nsbridge")

    let transport: any NftablesTransport

    public init(transport: any NftablesTransport) {
        self.transport = transport
    }

    static func objects(hash: String) -> NetworkObjects {
        NetworkObjects(table, hash: hash, base: "prerouting", hook: .bridgePrerouting, target: "macs",
                       dispatch: [("ports", .interfaceName)], owned: [("allowed", .concatenation([.interfaceName, .etherAddress]))])
    }

    /// The batch an ADD applies when the network's chains are missing or need repair.
    /// - Throws: `NftablesError` (EINVAL) if `mac` is not `xx:xx:xx:xx:xx:xx`.
    static func addBatch(network: String, attachment: Attachment, hostInterface: String, mac: String) throws -> Batch {
        Batch(try part(network: network, attachment: attachment, hostInterface: hostInterface, mac: mac).fullOperations)
    }

    /// What ADD programs for the port on `network` (see ``NetworkAddition``).
    /// - Throws: `NftablesError` (EINVAL) if `mac` is not `xx:xx:xx:xx:xx:xx`.
    public static func part(network: String, attachment: Attachment, hostInterface: String, mac: String) throws -> NetworkPart {
        guard let macBytes = MACAddress(mac)?.bytes else {
            throw NftablesError("parse MAC address \(mac)", errno: EINVAL)
        }
        let objects = objects(network: network)
        let (baseRules, targetRules) = rules(objects)
        return NetworkPart(objects: objects, baseRules: baseRules, targetRules: targetRules,
                           ruleComment: OwnerTag.ruleComment(network: network),
                           elements: elements(objects, network: network, attachment: attachment,
                                              hostInterface: hostInterface, mac: macBytes))
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

    /// The port's entry in the dispatch map (its comment names the MAC) and its allowed (port, MAC) pair.
    static func elements(_ objects: NetworkObjects, network: String, attachment: Attachment, hostInterface: String,
                         mac: [UInt8]) -> [(set: NamedSet, element: SetElement)] {
        let comment = OwnerTag.elementComment(network: network, attachment: attachment)
        let portComment = OwnerTag.portComment(owner: OwnerTag.owner(network: network, attachment: attachment), mac: mac, comment)
        return [
            (objects.dispatchMaps[0],
             SetElement(key: SetElement.key(interfaceName: hostInterface), verdict: .goto(objects.target.name), comment: portComment)),
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
        let part = try Self.part(network: network, attachment: attachment, hostInterface: hostInterface, mac: mac)
        try NetworkAddition(transport: transport).add([part])
    }

    /// Removes the attachment's elements, and the network's chains and sets if it was the
    /// last attachment. Succeeds if nothing is there. Reads the port's element, whose comment
    /// names the MAC, and then exactly the two elements: no listing, whatever the set holds.
    /// - Parameters:
    ///   - hostInterface: the port, if known; otherwise the network's map and set are listed.
    ///   - mac: the container's MAC, if known; saves the read of the port element.
    /// - Throws: `NftablesError`.
    public func remove(network: String, attachment: Attachment, hostInterface: String? = nil, mac: String? = nil) throws {
        try AttachmentRemoval(transport: transport).remove([
            Self.removal(network: network, attachment: attachment, hostInterface: hostInterface, mac: mac),
        ])
    }

    /// DEL's share (see ``AttachmentRemoval``). The allowed pair's key comes from `mac` or from
    /// the MAC the port element names: none when the port element is gone (ADD writes both in
    /// one transaction, DEL deletes both); the set is listed for a port element written before
    /// its comment named the MAC.
    public static func removal(network: String, attachment: Attachment, hostInterface: String?, mac: String? = nil) -> RemovalPart {
        let objects = objects(network: network)
        let owner = OwnerTag.owner(network: network, attachment: attachment)
        guard let hostInterface else {
            return objects.removal(ownedBy: owner, targetRules: nil) { _ in objects.elementSets.map { (set: $0, keys: nil) } }
        }
        let portKey = SetElement.key(interfaceName: hostInterface)
        let known = mac.flatMap { MACAddress($0)?.bytes }
        return objects.removal(ownedBy: owner, port: known == nil ? (objects.dispatchMaps[0], portKey) : nil,
                               targetRules: nil) { port in
            let macBytes = known ?? OwnerTag.mac(inPortComment: port?.comment)
            let allowed: [[UInt8]]? = macBytes.map { [SetElement.key(interfaceName: hostInterface, mac: $0)] }
                ?? (port == nil ? [] : nil)
            return [(objects.dispatchMaps[0], [portKey]), (objects.ownedSets[0], allowed)]
        }
    }

    /// Verifies the network's chains and that `hostInterface` is checked against `mac` on
    /// behalf of `attachment`.
    /// - Throws: `MissingFirewallState` naming every missing item; `NftablesError`.
    public func check(network: String, attachment: Attachment, hostInterface: String, mac: String) throws {
        guard let macBytes = MACAddress(mac)?.bytes else {
            throw MissingFirewallState(missing: ["valid MAC address (got \(mac))"])
        }
        let objects = Self.objects(network: network)
        let elements = Self.elements(objects, network: network, attachment: attachment, hostInterface: hostInterface, mac: macBytes)
        try objects.verify(elements, owner: OwnerTag.owner(network: network, attachment: attachment), feature: "spoof-check",
                           baseRuleCount: 1, minimumTargetRules: 2, transport: transport)
    }

    /// Deletes the network's elements whose owner is not in `valid`, then the network's
    /// objects if none remain.
    /// - Throws: `NftablesError`.
    public func garbageCollect(network: String, valid: Set<Attachment>) throws {
        try collectGarbage(network: network, valid: valid)
    }
}
