import CNIProtocol

/// A firewall feature built on ``NetworkObjects`` — masquerade, both spoof checks, isolation:
/// per network, a hooked base chain, verdict maps whose per-attachment elements jump to a
/// target chain, and sets of per-attachment data, all named `nsb-<network hash>-<name>` in the
/// feature's table. A feature names them; finding them for a network, DEL's share
/// (``NetworkObjects/removal(ownedBy:port:targetRules:targets:)``), CHECK and GC are shared.
protocol NetworkObjectsFeature {
    var transport: any NftablesTransport { get }
    static var table: Table { get }
    static func objects(hash: String) -> NetworkObjects
}

extension NetworkObjectsFeature {
    /// The objects `network` owns.
    static func objects(network: String) -> NetworkObjects {
        objects(hash: OwnerTag.networkHash(network))
    }

    /// GC: deletes the network's elements whose owner is not in `valid`, then the network's
    /// objects if none remain.
    /// - Throws: `NftablesError`.
    func collectGarbage(network: String, valid: Set<Attachment>) throws {
        try Self.objects(network: network).garbageCollect(network: network, valid: valid, transport: transport)
    }
}

extension NetworkObjects {
    /// A feature's objects for the network whose hash is `hash`, each named `nsb-<hash>-<name>`.
    /// - Parameters:
    ///   - dispatch: the verdict maps, by name and key type.
    ///   - owned: the data sets, by name and key type.
    init(_ table: Table, hash: String, base: String, hook: Chain.Hook, target: String,
         dispatch: [(String, SetKeyType)], owned: [(String, SetKeyType)] = []) {
        let name = { (suffix: String) in "nsb-\(hash)-\(suffix)" }
        self.init(table: table, base: Chain(table: table, name: name(base), hook: hook), target: Chain(table: table, name: name(target)),
                  dispatchMaps: dispatch.map { NamedSet(table: table, name: name($0.0), key: $0.1, isVerdictMap: true) },
                  ownedSets: owned.map { NamedSet(table: table, name: name($0.0), key: $0.1) })
    }
}
