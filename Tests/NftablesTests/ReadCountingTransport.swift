import CNITestSupport
import Nftables

/// The fake kernel, counting requests the way the live transport sends them: a `lookUp` of any
/// length is one round trip, every other read or batch one each. Whole-set listings are also
/// named, since they are the reads whose cost grows with the number of containers, and every
/// read is logged by kind.
final class ReadCountingTransport: NftablesTransport {
    let kernel = RecordingNftablesTransport()
    var reads: [String] = []
    var state: RecordingNftablesTransport.State { kernel.state }
    var appliedBatches: [Batch] { kernel.appliedBatches }
    private(set) var roundTrips = 0
    private(set) var listedSets: [String] = []
    private(set) var listedChains: [String] = []

    func resetCounts() {
        roundTrips = 0
        listedSets = []
        listedChains = []
        reads = []
    }

    func apply(_ batch: Batch) throws {
        roundTrips += 1
        try kernel.apply(batch)
    }

    func generation() throws -> UInt32 {
        reads.append("generation")
        roundTrips += 1
        return try kernel.generation()
    }

    func elements(of set: NamedSet, keys: [[UInt8]]?) throws -> [SetElement]? {
        reads.append("elements")
        roundTrips += keys?.count ?? 1
        if keys == nil { listedSets.append(set.name) }
        return try kernel.elements(of: set, keys: keys)
    }

    func ruleComments(in chain: Chain) throws -> [String?]? {
        reads.append("ruleComments")
        roundTrips += 2
        listedChains.append(chain.name)
        return try kernel.ruleComments(in: chain)
    }

    func rules(in chain: Chain) throws -> [RuleEntry]? {
        reads.append("rules")
        roundTrips += 2
        listedChains.append(chain.name)
        return try kernel.rules(in: chain)
    }

    func useCount(of chain: Chain) throws -> UInt32? {
        reads.append("useCount")
        roundTrips += 1
        return try kernel.useCount(of: chain)
    }

    func chainNames(in table: Table) throws -> [String]? {
        reads.append("chainNames")
        roundTrips += 2
        return try kernel.chainNames(in: table)
    }

    func lookUp(_ lookups: [NftablesLookup]) throws -> [NftablesLookupResult] {
        roundTrips += lookups.isEmpty ? 0 : 1
        return try kernel.lookUp(lookups)
    }

    func ruleCommentsOrEmpty(in chain: Chain) throws -> [String?] {
        roundTrips += 1
        listedChains.append(chain.name)
        return try kernel.ruleComments(in: chain) ?? []
    }
}
