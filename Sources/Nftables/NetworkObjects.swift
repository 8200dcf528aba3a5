#if canImport(Glibc)
import Glibc
#endif

/// The nftables objects one network owns, and the batch fragments that create, use and remove
/// them. Shared by `MasqueradeFirewall`, `MACSpoofCheck`, `AddressSpoofCheck` and
/// `NetworkIsolation`, which differ only in names, key types and rules (their common ADD is
/// `NetworkAddition`, their DEL, GC and CHECK are in NetworkObjects+Lifecycle.swift).
///
/// Shape: a hooked `base` chain whose rules look packets up in per-network verdict maps
/// (`dispatchMaps`); each map element sends its packets (`goto`) to the `target` chain, which
/// holds the network's policy. Extra `ownedSets` hold per-attachment data the target chain
/// consults. Map and set elements are per attachment and carry the owner comment.
struct NetworkObjects {
    var table: Table
    var base: Chain
    var target: Chain
    var dispatchMaps: [NamedSet]
    var ownedSets: [NamedSet] = []

    /// Creates whatever is missing and rewrites the network's rules. Every step is idempotent,
    /// and the rule count does not depend on how many attachments exist.
    func setup(baseRules: [[Expression]], targetRules: [[Expression]], comment: String) -> [Operation] {
        var operations: [Operation] = [.addTable(table)]
        operations += (dispatchMaps + ownedSets).map { .addSet($0) }
        operations += [.addChain(target), .addChain(base), .flushChain(target), .flushChain(base)]
        operations += targetRules.map { .addRule(Rule(chain: target, expressions: $0, comment: comment)) }
        operations += baseRules.map { .addRule(Rule(chain: base, expressions: $0, comment: comment)) }
        return operations
    }

    /// Puts `element` into `set` with exactly the given comment, replacing any element with the
    /// same key (a reused address or interface name now belongs to the new attachment).
    /// "add" first makes the "delete" safe when the key is absent; all three are one transaction.
    static func replace(_ element: SetElement, in set: NamedSet) -> [Operation] {
        [.addElements(set, [element]), .deleteElements(set, [element]), .addElements(set, [element])]
    }

    /// Removes the network's objects only if no map element still refers to `target`. The
    /// target chain is deleted first: the kernel refuses that with EBUSY while any element
    /// jumps to it, which aborts the whole transaction, so a concurrent ADD that committed an
    /// element first always wins. Each delete is preceded by an idempotent add so a partly
    /// missing network (e.g. after someone's flush) does not fail with ENOENT.
    func teardownIfUnused() -> [Operation] {
        let plainTarget = Chain(table: table, name: target.name)
        let plainBase = Chain(table: table, name: base.name)
        var operations: [Operation] = [.addTable(table), .addChain(plainTarget), .deleteChain(plainTarget)]
        operations += [.addChain(plainBase), .deleteChain(plainBase)]
        operations += (dispatchMaps + ownedSets).flatMap { [Operation.addSet($0), .deleteSet($0)] }
        return operations
    }
}

/// Removes set elements that a predicate calls stale, atomically with respect to concurrent
/// writers: the elements are read at a known ruleset generation and the delete batch is
/// accepted only at that same generation (otherwise ERESTART, and we read again). This is
/// what makes "delete only if it is still mine" exact when an address is reused concurrently.
struct StaleElementRemover {
    var transport: any NftablesTransport

    struct Outcome {
        /// Some element was deleted.
        var removedAny: Bool
        /// A full listing found at least one of the sets (so the network exists).
        var sawNetwork: Bool
    }

    /// - Parameters:
    ///   - targets: each set with the keys to look at, or `nil` to list every element.
    ///   - isStale: decides from an element's comment whether to delete it.
    func remove(from targets: [(set: NamedSet, keys: [[UInt8]]?)], where isStale: (String?) -> Bool) throws -> Outcome {
        try transport.retryingWhileRulesetChanges("remove elements") {
            let (generation, keyed) = try readKeyed(targets)
            var deletions: [Operation] = []
            var sawNetwork = false
            for (index, (set, keys)) in targets.enumerated() {
                var elements = keyed[index]
                if keys == nil {
                    guard let listed = try transport.elements(of: set, keys: nil) else { continue }
                    sawNetwork = true
                    elements = listed
                }
                let stale = elements.filter { isStale($0.comment) }
                if !stale.isEmpty { deletions.append(.deleteElements(set, stale)) }
            }
            if deletions.isEmpty { return Outcome(removedAny: false, sawNetwork: sawNetwork) }
            try transport.apply(Batch(deletions, expectedGeneration: generation))
            return Outcome(removedAny: true, sawNetwork: sawNetwork)
        }
    }

    /// The generation and, at it, every element at the targets' keys: one lookup datagram.
    /// - Returns: the elements found for each target (none for a target to be listed).
    private func readKeyed(_ targets: [(set: NamedSet, keys: [[UInt8]]?)]) throws -> (UInt32, [[SetElement]]) {
        let lookups = targets.flatMap { target in (target.keys ?? []).map { NftablesLookup.element(target.set, key: $0) } }
        var results = try transport.lookUp([.generation] + lookups)[...]
        guard let generation = results.removeFirst().generation else {
            throw NftablesError("get generation: no NFTA_GEN_ID", errno: EPROTO)
        }
        let found = targets.map { target -> [SetElement] in
            let count = target.keys?.count ?? 0
            defer { results = results.dropFirst(count) }
            return results.prefix(count).compactMap(\.element)
        }
        return (generation, found)
    }
}

extension NftablesTransport {
    /// Removes `objects` if no map element refers to their target chain any more. The use
    /// count read first only avoids a doomed attempt: a refused batch still costs the kernel
    /// an RCU grace period (~15 ms) on abort. The kernel's EBUSY stays the real guard.
    /// - Parameter knownRules: the target chain's rule count when the caller knows it, which
    ///   saves listing the chain (a wrong count costs at most that doomed attempt).
    func removeIfUnused(_ objects: NetworkObjects, knownRules: Int? = nil) throws {
        if let use = try useCount(of: objects.target) {
            let ownRules = try knownRules ?? (ruleComments(in: objects.target)?.count ?? 0)
            if Int(use) > ownRules { return }
        }
        try applyTolerating(objects.teardownIfUnused())
    }

    /// Applies a teardown that the kernel may refuse because the network is still in use
    /// (EBUSY) or is already gone (ENOENT); both mean there is nothing to do.
    func applyTolerating(_ operations: [Operation]) throws {
        do {
            try apply(Batch(operations))
        } catch let error as NftablesError where error.errno == EBUSY || error.errno == ENOENT {
            return
        }
    }
}
