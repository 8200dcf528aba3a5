#if canImport(Glibc)
import CNIProtocol
import Glibc

/// ADD's fast path, for a network whose chains are already in place.
///
/// The full ADD batch rewrites the network's chains and replaces the elements, which deletes
/// objects; the kernel frees deleted objects only after an RCU grace period, and releasing the
/// netfilter socket waits for it (about 10 ms, under nf_tables' commit lock, so parallel ADDs
/// queue behind it). Once the network exists, an ADD only needs its own elements: it reads the
/// two chains' rule counts and the elements at its addresses, and adds what is missing. Nothing
/// is deleted unless an address is still owned by another attachment.
extension MasqueradeFirewall {
    /// Adds the attachment's elements if the network's chains are complete.
    /// - Returns: `false` when the network must be (re)built by the full batch: missing or
    ///   incomplete chains (after `nft flush ruleset`, or a changed `ipMasqExclude`), or a
    ///   teardown that removed the maps between the read and the write.
    func addToReadyNetwork(network: String, attachment: Attachment, addresses: [IPAddress],
                           targetRuleCount: Int) throws -> Bool {
        let objects = Self.objects(network: network)
        let ruleComment = OwnerTag.ruleComment(network: network)
        guard let targetRules = try transport.ruleComments(in: objects.target),
              targetRules.count == targetRuleCount, targetRules.allSatisfy({ $0 == ruleComment }),
              let baseRules = try transport.ruleComments(in: objects.base),
              baseRules.count == IPFamily.allCases.count, baseRules.allSatisfy({ $0 == ruleComment })
        else { return false }
        let operations = try missingElementOperations(objects, network: network, attachment: attachment, addresses: addresses)
        guard !operations.isEmpty else { return true }
        do {
            try transport.apply(Batch(operations))
            return true
        } catch let error as NftablesError where error.errno == ENOENT {
            return false
        }
    }

    /// Adds for absent addresses; replaces only an element that another attachment still owns.
    private func missingElementOperations(_ objects: NetworkObjects, network: String, attachment: Attachment,
                                          addresses: [IPAddress]) throws -> [Operation] {
        var operations: [Operation] = []
        for address in addresses {
            let (map, element) = Self.dispatchElement(objects, network: network, attachment: attachment, address: address)
            let present = try transport.elements(of: map, keys: [element.key]) ?? []
            if present.isEmpty {
                operations.append(.addElements(map, [element]))
            } else if !present.allSatisfy({ $0.comment == element.comment && $0.verdict == element.verdict }) {
                operations += NetworkObjects.replace(element, in: map)
            }
        }
        return operations
    }
}
#endif
