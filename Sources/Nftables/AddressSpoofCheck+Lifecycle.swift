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
        try AttachmentRemoval(transport: transport).remove([
            Self.removal(network: network, attachment: attachment, port: port, addresses: addresses),
        ])
    }

    /// DEL's share (see ``AttachmentRemoval``): the port element, read first, names the MAC
    /// that the other keys hold.
    public static func removal(network: String, attachment: Attachment, port: String, addresses: [IPAddress]?) -> RemovalPart {
        let objects = objects(network: network)
        let portKey = SetElement.key(interfaceName: port)
        return objects.removal(ownedBy: OwnerTag.owner(network: network, attachment: attachment),
                               port: (objects.dispatchMaps[0], portKey), targetRules: rules(objects).target.count) { portElement in
            let targets: [RemovalPart.Target] = [(objects.dispatchMaps[0], [portKey])]
            guard let addresses else { return targets + objects.ownedSets.map { (set: $0, keys: nil) } }
            let keys = keys(objects, port: port, mac: OwnerTag.mac(inPortComment: portElement?.comment), addresses: addresses)
            return targets + objects.ownedSets.map { set in (set: set, keys: keys.filter { $0.0 == set }.map { $0.1 }) }
        }
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
        try collectGarbage(network: network, valid: valid)
    }
}
