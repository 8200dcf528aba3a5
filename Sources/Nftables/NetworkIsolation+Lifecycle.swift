import CNIProtocol

// ADD, DEL, CHECK and GC of `isolate` state, shaped like masquerade's: elements keyed by the
// container's addresses and owned by the attachment, the network's objects removed with its
// last element.
extension NetworkIsolation {
    /// Isolates `bridge`'s network and routes traffic towards `addresses` through the check.
    ///
    /// `nft add element inet nsbridge nsb-H-dst4 { <address> : goto nsb-H-isolate }`, after
    /// creating or repairing the network's chains and maps, all in one transaction.
    /// - Throws: `NftablesError`.
    public func add(network: String, attachment: Attachment, bridge: String, addresses: [IPAddress]) throws {
        let part = Self.part(network: network, attachment: attachment, bridge: bridge, addresses: addresses)
        try NetworkAddition(transport: transport).add([part])
    }

    /// Removes the attachment's elements, and the network's objects if they were the last.
    /// - Parameter addresses: the attachment's addresses if still known; `nil` lists the maps.
    /// - Throws: `NftablesError`.
    public func remove(network: String, attachment: Attachment, addresses: [IPAddress]?) throws {
        try AttachmentRemoval(transport: transport).remove([Self.removal(network: network, attachment: attachment, addresses: addresses)])
    }

    /// DEL's share (see ``AttachmentRemoval``).
    public static func removal(network: String, attachment: Attachment, addresses: [IPAddress]?) -> RemovalPart {
        let objects = objects(network: network)
        let targets = objects.addressTargets(addresses)
        // The target chain's rule count does not depend on the bridge name.
        return objects.removal(ownedBy: OwnerTag.owner(network: network, attachment: attachment),
                               targetRules: rules(objects, bridge: "").target.count) { _ in targets }
    }

    /// Verifies the network's chains and that every address is routed through the check on
    /// behalf of `attachment`.
    /// - Throws: `MissingFirewallState` naming every missing or foreign item; `NftablesError`.
    public func check(network: String, attachment: Attachment, bridge: String, addresses: [IPAddress]) throws {
        let part = Self.part(network: network, attachment: attachment, bridge: bridge, addresses: addresses)
        try part.verify(owner: OwnerTag.owner(network: network, attachment: attachment), feature: "isolation", transport: transport)
    }

    /// Deletes the network's elements whose owner is not in `valid`, then the network's objects
    /// if none remain.
    /// - Throws: `NftablesError`.
    public func garbageCollect(network: String, valid: Set<Attachment>) throws {
        try collectGarbage(network: network, valid: valid)
    }
}
