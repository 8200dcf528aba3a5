import CNIProtocol

/// IP masquerade for a bridge network (`ipMasq: true`), in nsbridge's own table `inet nsbridge`.
///
/// ## Design: constant cost per ADD and DEL
///
/// The reference plugin adds one rule per container address to a shared chain and rewrites
/// its `postrouting` chain on every ADD, so both the work per ADD/DEL and the per-packet rule
/// walk grow with the number of containers. Here each network `N` (hash `H` = `OwnerTag.networkHash`)
/// owns a fixed set of objects, and containers only add or remove map elements:
///
/// ```
/// table inet nsbridge {
///   map nsb-H-src4 { type ipv4_addr : verdict; elements = { 10.88.0.5 comment "H-A, net: N, if: eth0, id: …" : goto nsb-H-masquerade } }
///   map nsb-H-src6 { type ipv6_addr : verdict; … }
///   chain nsb-H-postrouting { type nat hook postrouting priority srcnat; policy accept;
///     ip saddr vmap @nsb-H-src4
///     ip6 saddr vmap @nsb-H-src6 }
///   chain nsb-H-masquerade {
///     ip daddr 224.0.0.0/4 return
///     ip6 daddr ff00::/8 return
///     ip daddr <each subnet of N and each ipMasqExclude CIDR> return
///     masquerade }
/// }
/// ```
/// - Rules per network: 2 + 3 + (subnets + exclusions); none per container. A packet costs
///   one hash lookup per network unless it comes from a container.
/// - ADD on a network already in place reads the base chain's use count and the elements at
///   its own keys in one datagram, lists the target chain, and adds only what is missing
///   (`NetworkAddition`, which also folds the spoof checks and isolation into the same batch):
///   nothing is deleted unless a key still belongs to another attachment, so the netfilter
///   socket closes without waiting for a grace period. Otherwise (first ADD, a changed `ipMasqExclude`, or
///   after `nft flush ruleset`) ADD is one full batch: create table/maps/chains if missing
///   (`NLM_F_CREATE` without `EXCL`), flush and rewrite the two chains, then *replace* each
///   address's element (add, delete, add with our comment, in one transaction) so a reused
///   address now belongs to the new attachment.
/// - DEL reads only its own elements (one `GETSETELEM` per known address, or one listing of
///   the network's two maps if the caller no longer knows the addresses), keeps those whose
///   comment starts with this attachment's `<H>-<attachment hash>`, and deletes them in a batch
///   pinned to the ruleset generation it read. If another transaction committed meanwhile the
///   kernel answers ERESTART and DEL reads again, so an old container's DEL can never delete
///   an element a new container has just taken over. No namespace and no prevResult needed.
/// - The last attachment leaving removes the network's objects in a second batch that starts
///   by deleting `nsb-H-masquerade`: the kernel refuses (EBUSY) while any map element still
///   jumps to it, which aborts the batch. A concurrent ADD either commits first (teardown gets
///   EBUSY and does nothing) or after (it recreates everything). No lock is needed.
/// - CHECK reports what is missing (chains, rules, elements, foreign owners); it never repairs.
///   After `nft flush ruleset`, CHECK fails naming the missing objects and the next ADD of any
///   attachment on the network restores the network objects and that attachment's elements.
/// - GC lists the network's maps and deletes elements whose owner is not a valid attachment,
///   then removes the network's objects if nothing is left.
///
/// Coexistence: only our table is touched. The reference's `cni_plugins_masquerade` and
/// iptables-nft tables hook postrouting independently; the first masquerade wins, which is
/// harmless because both translate to the same outgoing address.
public struct MasqueradeFirewall: NetworkObjectsFeature {
    /// `inet nsbridge`.
    public static let table = Table(family: .inet, name: "nsbridge")

    let transport: any NftablesTransport

    public init(transport: any NftablesTransport) {
        self.transport = transport
    }

    /// The objects of the network whose hash is `hash`.
    static func objects(hash: String) -> NetworkObjects {
        NetworkObjects(table, hash: hash, base: "postrouting", hook: .sourceNAT, target: "masquerade",
                       dispatch: [("src4", .ipv4Address), ("src6", .ipv6Address)])
    }

    /// The rules of the network's target chain: multicast and every non-masqueraded
    /// destination return, everything else is masqueraded.
    static func targetRules(subnets: [IPNetwork], excluded: [IPNetwork]) -> [[Expression]] {
        let multicast = [IPNetwork("224.0.0.0/4"), IPNetwork("ff00::/8")].compactMap { $0 }
        let keep = multicast + subnets.map(\.masked) + excluded.map(\.masked)
        return keep.map { Expression.destination(in: $0) + [.verdict(.return)] } + [[.masquerade]]
    }

    /// The batch an ADD applies when the network's chains are missing or need repair.
    static func addBatch(network: String, attachment: Attachment, addresses: [IPAddress],
                         subnets: [IPNetwork], excluded: [IPNetwork]) -> Batch {
        Batch(part(network: network, attachment: attachment, addresses: addresses, subnets: subnets, excluded: excluded)
            .fullOperations)
    }

    /// What ADD programs for `addresses` on `network` (see ``NetworkAddition``).
    public static func part(network: String, attachment: Attachment, addresses: [IPAddress],
                            subnets: [IPNetwork], excluded: [IPNetwork]) -> NetworkPart {
        let objects = objects(network: network)
        let baseRules = IPFamily.allCases.enumerated().map { index, family in
            Expression.protocolFamily(family)
                + [.sourceAddress(family), .lookup(.r1, set: objects.dispatchMaps[index].name, verdictMap: true)]
        }
        return NetworkPart(
            objects: objects, baseRules: baseRules, targetRules: targetRules(subnets: subnets, excluded: excluded),
            ruleComment: OwnerTag.ruleComment(network: network),
            elements: addresses.map { dispatchElement(objects, network: network, attachment: attachment, address: $0) })
    }

    /// The map and element that send `address`'s traffic to the network's masquerade chain.
    static func dispatchElement(_ objects: NetworkObjects, network: String, attachment: Attachment,
                                address: IPAddress) -> (set: NamedSet, element: SetElement) {
        let comment = OwnerTag.elementComment(network: network, attachment: attachment)
        let map = objects.dispatchMaps[address.family == .v4 ? 0 : 1]
        return (map, SetElement(key: SetElement.key(address), verdict: .goto(objects.target.name), comment: comment))
    }

    /// Masquerades traffic from `addresses` to anything outside `subnets` and `excluded`.
    ///
    /// `nft add element inet nsbridge nsb-H-src4 { <address> comment "…" : goto nsb-H-masquerade }`,
    /// after creating or repairing the network's chains and maps, all in one transaction.
    /// - Parameters:
    ///   - network: the network name from the configuration.
    ///   - attachment: the container ID and interface name that own the addresses.
    ///   - addresses: the container's addresses on this network.
    ///   - subnets: the network's subnets (traffic to them is not masqueraded).
    ///   - excluded: further destinations not to masquerade (`ipMasqExclude`).
    /// - Returns: `true` when the network's chains and maps were missing and have been created:
    ///   its first attachment, or the first after they were flushed.
    /// - Throws: `NftablesError`.
    @discardableResult
    public func add(network: String, attachment: Attachment, addresses: [IPAddress],
                    subnets: [IPNetwork], excluded: [IPNetwork] = []) throws -> Bool {
        let part = Self.part(network: network, attachment: attachment, addresses: addresses,
                             subnets: subnets, excluded: excluded)
        return try NetworkAddition(transport: transport).add([part])[0]
    }

    /// Removes the attachment's masquerade elements, and the network's chains and maps if it
    /// was the last attachment. Succeeds if nothing is there.
    /// - Parameters:
    ///   - addresses: the attachment's addresses if still known (from IPAM); makes DEL read
    ///     only those elements. `nil` lists the network's maps instead.
    /// - Throws: `NftablesError`.
    public func remove(network: String, attachment: Attachment, addresses: [IPAddress]? = nil) throws {
        try AttachmentRemoval(transport: transport).remove([Self.removal(network: network, attachment: attachment, addresses: addresses)])
    }

    /// DEL's share (see ``AttachmentRemoval``); the target chain's rules depend on the excluded
    /// subnets, so it is listed.
    public static func removal(network: String, attachment: Attachment, addresses: [IPAddress]?) -> RemovalPart {
        let objects = objects(network: network)
        let targets = objects.addressTargets(addresses)
        return objects.removal(ownedBy: OwnerTag.owner(network: network, attachment: attachment), targetRules: nil) { _ in targets }
    }

    /// Verifies that the network's chains exist and that every address maps to the network
    /// and is owned by `attachment`.
    /// - Throws: `MissingFirewallState` naming every missing or foreign item; `NftablesError`
    ///   if the kernel cannot be asked.
    public func check(network: String, attachment: Attachment, addresses: [IPAddress]) throws {
        let objects = Self.objects(network: network)
        let elements = addresses.map { Self.dispatchElement(objects, network: network, attachment: attachment, address: $0) }
        try objects.verify(elements, owner: OwnerTag.owner(network: network, attachment: attachment), feature: "masquerade",
                           baseRuleCount: IPFamily.allCases.count, minimumTargetRules: 3, transport: transport)
    }

    /// Deletes the network's elements whose owner is not in `valid`, then the network's
    /// objects if none remain.
    /// - Throws: `NftablesError`.
    public func garbageCollect(network: String, valid: Set<Attachment>) throws {
        try collectGarbage(network: network, valid: valid)
    }
}
