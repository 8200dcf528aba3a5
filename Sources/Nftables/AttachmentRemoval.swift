#if canImport(Glibc)
import Glibc
#endif

/// One feature's share of a DEL: the attachment's elements, and the feature's objects on the
/// network when those elements were the last to use them.
public struct RemovalPart {
    /// A set and the keys to read in it, or `nil` to list it.
    public typealias Target = (set: NamedSet, keys: [[UInt8]]?)

    var owner: String
    /// Read before the keys when they depend on it: a spoof check's port element names the
    /// container's MAC, which its other keys hold.
    var port: (set: NamedSet, key: [UInt8])?
    /// The sets and keys holding the owner's elements, given the port element (when asked for).
    var targets: (_ port: SetElement?) -> [Target]
    var tidy: Tidy?

    /// Objects that go once no element refers to their chain.
    struct Tidy {
        /// Its kernel use count is its own rules plus the elements that jump to it.
        var chain: Chain
        /// The sets whose elements jump to `chain`.
        var referencingSets: [NamedSet]
        /// `chain`'s own rule count; `nil` when it has to be listed.
        var ownRules: Int?
        /// The operations that remove the objects (they may read what they need).
        var teardown: () throws -> [Operation]
    }
}

/// DEL of one attachment's firewall state, every feature in one transaction.
///
/// The reads come first: one lookup datagram asks for the ruleset generation, every element at
/// the parts' keys and the use count of each part's chain. (With a spoof check, a datagram
/// before it reads the port elements, whose comments name the MAC in the other keys, and the
/// generation travels with them.) Sets to be listed because the addresses are no longer known,
/// and chains whose rule count is unknown, are dumped after. Then one batch, pinned to that
/// generation, deletes the owner's elements and the objects of every part that nothing else
/// uses any more. A transaction committed in between makes the kernel refuse the batch
/// (ERESTART) and the reads start again, so "delete only if still mine" stays exact.
public struct AttachmentRemoval {
    let transport: any NftablesTransport

    public init(transport: any NftablesTransport) {
        self.transport = transport
    }

    /// - Throws: `NftablesError`.
    public func remove(_ parts: [RemovalPart]) throws {
        try transport.retryingWhileRulesetChanges("remove firewall state") {
            do {
                try applyPlan(parts, tidying: true)
            } catch let error as NftablesError where error.errno == EBUSY {
                // Something the reads did not count still uses the objects: they stay, for the
                // next DEL or GC; the elements go without them.
                try applyPlan(parts, tidying: false)
            }
        }
    }

    private func applyPlan(_ parts: [RemovalPart], tidying: Bool) throws {
        let (generation, operations) = try plan(parts, tidying: tidying)
        guard !operations.isEmpty else { return }
        try transport.apply(Batch(operations, expectedGeneration: generation))
    }

    private func plan(_ parts: [RemovalPart], tidying: Bool) throws -> (UInt32, [Operation]) {
        var (generation, ports) = try readPorts(parts)
        let targets = parts.map { part in part.targets(part.port == nil ? nil : ports.removeFirst()) }
        var lookups: [NftablesLookup] = generation == nil ? [.generation] : []
        for (part, partTargets) in zip(parts, targets) {
            lookups += partTargets.flatMap { target in (target.keys ?? []).map { NftablesLookup.element(target.set, key: $0) } }
            if tidying, let tidy = part.tidy { lookups.append(.chainUse(tidy.chain)) }
        }
        var results = try transport.lookUp(lookups)[...]
        if generation == nil { generation = results.removeFirst().generation }
        guard let generation else { throw NftablesError("get generation: no NFTA_GEN_ID", errno: EPROTO) }
        var deletions: [Operation] = []
        var teardowns: [Operation] = []
        for (part, partTargets) in zip(parts, targets) {
            let (owned, sawNetwork) = try ownedElements(part, partTargets, &results)
            deletions += owned.map { Operation.deleteElements($0.set, $0.elements) }
            guard tidying, let tidy = part.tidy else { continue }
            let use = results.removeFirst().useCount
            guard !owned.isEmpty || sawNetwork, try isUnused(tidy, use: use, removing: owned) else { continue }
            teardowns += try tidy.teardown()
        }
        return (generation, deletions.isEmpty && teardowns.isEmpty ? [] : deletions + teardowns)
    }

    /// With spoof checks: the generation and each checking part's port element, in one datagram.
    private func readPorts(_ parts: [RemovalPart]) throws -> (UInt32?, [SetElement?]) {
        let ports = parts.compactMap(\.port)
        guard !ports.isEmpty else { return (nil, []) }
        var results = try transport.lookUp([.generation] + ports.map { .element($0.set, key: $0.key) })[...]
        let generation = results.removeFirst().generation
        return (generation, results.map(\.element))
    }

    /// The owner's elements among the looked-up results (consumed) or in the listed sets, and
    /// whether a listing found one of the sets.
    private func ownedElements(_ part: RemovalPart, _ targets: [RemovalPart.Target],
                               _ results: inout ArraySlice<NftablesLookupResult>)
        throws -> (owned: [(set: NamedSet, elements: [SetElement])], sawNetwork: Bool) {
        var owned: [(set: NamedSet, elements: [SetElement])] = []
        var sawNetwork = false
        for (set, keys) in targets {
            var elements: [SetElement] = []
            if let keys {
                elements = results.prefix(keys.count).compactMap(\.element)
                results = results.dropFirst(keys.count)
            } else if let listed = try transport.elements(of: set, keys: nil) {
                sawNetwork = true
                elements = listed
            }
            let mine = elements.filter { OwnerTag.ownerPrefix(of: $0.comment) == part.owner }
            if !mine.isEmpty { owned.append((set, mine)) }
        }
        return (owned, sawNetwork)
    }

    /// Whether nothing but the owner's elements refers to the tidy chain. A missing chain
    /// counts as unused: the teardown's idempotent adds and deletes clear what is left.
    private func isUnused(_ tidy: RemovalPart.Tidy, use: UInt32?, removing owned: [(set: NamedSet, elements: [SetElement])]) throws -> Bool {
        guard let use else { return true }
        let references = owned.filter { tidy.referencingSets.contains($0.set) }.reduce(0) { $0 + $1.elements.count }
        // The chain exists (it has a use count), so one dump without an existence check will do.
        let ownRules = try tidy.ownRules ?? transport.ruleCommentsOrEmpty(in: tidy.chain).count
        return Int(use) - references <= ownRules
    }
}
