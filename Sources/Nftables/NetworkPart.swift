#if canImport(Glibc)
import Glibc
#endif

/// One feature's objects and rules on a network, with one attachment's elements in them: what
/// an ADD must find in place or create. Masquerade, both spoof checks and isolation each
/// describe themselves this way, so that one ADD programs all of them in one transaction.
public struct NetworkPart {
    var objects: NetworkObjects
    var baseRules: [[Expression]]
    var targetRules: [[Expression]]
    /// Every rule of both chains carries it; it names what the rules were written from.
    var ruleComment: String
    var elements: [(set: NamedSet, element: SetElement)]

    /// The full ADD batch: create whatever is missing, rewrite both chains, and replace each
    /// element so that a reused key now belongs to this attachment.
    var fullOperations: [Operation] {
        objects.setup(baseRules: baseRules, targetRules: targetRules, comment: ruleComment)
            + elements.flatMap { NetworkObjects.replace($0.element, in: $0.set) }
    }
}

/// ADD of several ``NetworkPart``s, with a fast path for networks already in place.
///
/// Rewriting chains and replacing elements deletes objects; the kernel frees deleted objects
/// only after an RCU grace period, and releasing the netfilter socket waits for it (about
/// 10 ms, under nf_tables' commit lock, so parallel ADDs queue behind it). Once a network
/// exists, an ADD only needs its own elements. So ADD first asks, in one datagram, for every
/// base chain's use count (a base chain is never a jump target, so that is its rule count) and
/// every element at this attachment's keys, then lists each target chain whose base chain
/// looked right, and finally applies one batch: elements that are missing or owned by someone
/// else, plus the full operations of any part whose chains are missing or differ (first ADD,
/// `nft flush ruleset`, a changed `ipMasqExclude` or bridge).
public struct NetworkAddition {
    let transport: any NftablesTransport

    public init(transport: any NftablesTransport) {
        self.transport = transport
    }

    /// - Returns: for each part, whether its network objects were (re)built.
    /// - Throws: `NftablesError`.
    @discardableResult
    public func add(_ parts: [NetworkPart]) throws -> [Bool] {
        let (operations, rebuilt) = try plan(parts)
        guard !operations.isEmpty else { return rebuilt }
        do {
            try transport.apply(Batch(operations))
            return rebuilt
        } catch let error as NftablesError where error.errno == ENOENT && rebuilt.contains(false) {
            // A teardown removed a network's sets between the read and the write.
            try transport.apply(Batch(parts.flatMap(\.fullOperations)))
            return parts.map { _ in true }
        }
    }

    private func plan(_ parts: [NetworkPart]) throws -> (operations: [Operation], rebuilt: [Bool]) {
        let lookups = parts.flatMap { part in
            [NftablesLookup.chainUse(part.objects.base)] + part.elements.map { .element($0.set, key: $0.element.key) }
        }
        var results = try transport.lookUp(lookups)[...]
        var operations: [Operation] = []
        var rebuilt: [Bool] = []
        for part in parts {
            let baseUse = results.removeFirst().useCount
            let found = results.prefix(part.elements.count).map(\.element)
            results = results.dropFirst(part.elements.count)
            let ready = try baseUse == UInt32(part.baseRules.count) && targetChainIsCurrent(part)
            operations += ready ? Self.elementOperations(part.elements, found: found) : part.fullOperations
            rebuilt.append(!ready)
        }
        return (operations, rebuilt)
    }

    private func targetChainIsCurrent(_ part: NetworkPart) throws -> Bool {
        let comments = try transport.ruleCommentsOrEmpty(in: part.objects.target)
        return comments.count == part.targetRules.count && comments.allSatisfy { $0 == part.ruleComment }
    }

    /// Adds what is missing; replaces what another attachment (or an older verdict) holds.
    private static func elementOperations(_ elements: [(set: NamedSet, element: SetElement)],
                                          found: [SetElement?]) -> [Operation] {
        zip(elements, found).flatMap { wanted, present -> [Operation] in
            guard let present else { return [.addElements(wanted.set, [wanted.element])] }
            if present.comment == wanted.element.comment && present.verdict == wanted.element.verdict { return [] }
            return NetworkObjects.replace(wanted.element, in: wanted.set)
        }
    }
}
