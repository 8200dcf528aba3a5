#if canImport(Glibc)
import Glibc

/// ADD's fast path, for a network whose chains are already in place.
///
/// The full ADD batch rewrites the network's chains and replaces the elements, which deletes
/// objects; the kernel frees deleted objects only after an RCU grace period, and releasing the
/// netfilter socket waits for it (about 10 ms, under nf_tables' commit lock, so parallel ADDs
/// queue behind it). Once the network exists, an ADD only needs its own elements: it reads the
/// two chains' rules and the elements at its keys, and adds what is missing. Nothing is deleted
/// unless a key still belongs to another attachment.
extension NetworkObjects {
    /// Adds `elements` if both chains hold exactly the expected number of rules, all tagged with
    /// `ruleComment`.
    /// - Returns: `false` when the network must be (re)built by the full batch: missing or
    ///   incomplete chains (after `nft flush ruleset`, or changed exclusions), or a teardown that
    ///   removed the sets between the read and the write.
    func addElementsIfReady(_ elements: [(set: NamedSet, element: SetElement)], baseRuleCount: Int,
                            targetRuleCount: Int, ruleComment: String, transport: any NftablesTransport) throws -> Bool {
        guard try chain(base, hasRules: baseRuleCount, taggedWith: ruleComment, transport),
              try chain(target, hasRules: targetRuleCount, taggedWith: ruleComment, transport)
        else { return false }
        var operations: [Operation] = []
        for (set, element) in elements {
            let present = try transport.elements(of: set, keys: [element.key]) ?? []
            if present.isEmpty {
                operations.append(.addElements(set, [element]))
            } else if !present.allSatisfy({ $0.comment == element.comment && $0.verdict == element.verdict }) {
                operations += Self.replace(element, in: set)
            }
        }
        guard !operations.isEmpty else { return true }
        do {
            try transport.apply(Batch(operations))
            return true
        } catch let error as NftablesError where error.errno == ENOENT {
            return false
        }
    }

    private func chain(_ chain: Chain, hasRules count: Int, taggedWith comment: String,
                       _ transport: any NftablesTransport) throws -> Bool {
        guard let comments = try transport.ruleComments(in: chain) else { return false }
        return comments.count == count && comments.allSatisfy { $0 == comment }
    }
}
#endif
