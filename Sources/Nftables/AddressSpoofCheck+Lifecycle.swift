import CNIProtocol

// ADD, DEL, CHECK and GC of `ipspoofchk` state, with the same guarantees as masquerade: the
// fast path for a network in place, deletes pinned to the generation they read, and the
// network's objects removed with its last port.
extension AddressSpoofCheck {
    /// Checks frames from `port.name` against its MAC and addresses.
    ///
    /// `nft add element bridge nsbridge nsb-H-ipports { "<port>" : goto nsb-H-ipcheck }` plus the
    /// port's elements in `nsb-H-ipmacs`, `nsb-H-ip4` and `nsb-H-ip6`, after creating or repairing
    /// the network's chains, all in one transaction.
    /// - Throws: `NftablesError`.
    public func add(network: String, attachment: Attachment, port: PortAddresses) throws {
        try NetworkAddition(transport: transport).add([Self.part(network: network, attachment: attachment, port: port)])
    }

    /// Removes the attachment's elements, and the network's objects if it was the last port.
    /// Needs neither the container nor its MAC: the port's element names the MAC.
    /// - Parameters:
    ///   - port: the host-side veth name.
    ///   - addresses: the attachment's addresses if still known; `nil` lists the address sets.
    /// - Throws: `NftablesError`.
    public func remove(network: String, attachment: Attachment, port: String, addresses: [IPAddress]?) throws {
        let objects = Self.objects(network: network)
        let owner = OwnerTag.owner(network: network, attachment: attachment)
        let portKey = SetElement.key(interfaceName: port)
        let portElement = try transport.elements(of: objects.dispatchMaps[0], keys: [portKey])?.first
        let mac = OwnerTag.mac(inPortComment: portElement?.comment)
        var targets: [(set: NamedSet, keys: [[UInt8]]?)] = [(objects.dispatchMaps[0], [portKey])]
        if let addresses {
            let keys = Self.keys(objects, port: port, mac: mac, addresses: addresses)
            targets += objects.ownedSets.map { set in (set: set, keys: keys.filter { $0.0 == set }.map { $0.1 }) }
        } else {
            targets += objects.ownedSets.map { (set: $0, keys: nil) }
        }
        try objects.removeElements(ownedBy: owner, from: targets, transport: transport,
                                   knownRules: Self.rules(objects).target.count)
    }

    /// Verifies the network's chains and every element of the port, and that each belongs to
    /// `attachment`.
    /// - Throws: `MissingFirewallState` naming every missing or foreign item; `NftablesError`.
    public func check(network: String, attachment: Attachment, port: PortAddresses) throws {
        let part = Self.part(network: network, attachment: attachment, port: port)
        try part.verify(owner: OwnerTag.owner(network: network, attachment: attachment), feature: "ipspoofchk", transport: transport)
    }

    /// Deletes the network's elements whose owner is not in `valid`, then the network's objects
    /// if none remain.
    /// - Throws: `NftablesError`.
    public func garbageCollect(network: String, valid: Set<Attachment>) throws {
        try Self.objects(network: network).garbageCollect(network: network, valid: valid, transport: transport)
    }

    /// Removes every network's `ipspoofchk` objects except those of `networks`.
    /// - Throws: `NftablesError`.
    public func removeNetworks(keeping networks: Set<String>) throws {
        try removeForeignNetworks(table: Self.table, keeping: networks, transport: transport, objects: Self.objects(hash:))
    }
}
