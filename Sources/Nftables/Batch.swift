import CMnl
import CNetlinkShims
import CNftnl

/// One change inside a batch. Its `description` is the equivalent `nft` command.
public enum Operation: Hashable, Sendable, CustomStringConvertible {
    /// `nft add table <family> <name>` (succeeds if it exists).
    case addTable(Table)
    /// `nft delete table <family> <name>`
    case deleteTable(Table)
    /// `nft add chain …` (succeeds if an identical chain exists).
    case addChain(Chain)
    /// `nft delete chain …` (fails with EBUSY while a rule or map element still jumps to it).
    case deleteChain(Chain)
    /// `nft flush chain …`
    case flushChain(Chain)
    /// `nft add set|map …` (succeeds if it exists).
    case addSet(NamedSet)
    /// `nft delete set|map …`
    case deleteSet(NamedSet)
    /// `nft add element …` (succeeds, and leaves the element untouched, if the key exists).
    case addElements(NamedSet, [SetElement])
    /// `nft delete element …` (fails with ENOENT if a key is absent).
    case deleteElements(NamedSet, [SetElement])
    /// `nft add rule …` (appends).
    case addRule(Rule)
    /// `nft insert rule …` (prepends: the rule becomes the chain's first).
    case insertRule(Rule)
    /// `nft delete rule <family> <table> <chain> handle <handle>` (ENOENT if it is gone).
    case deleteRule(Chain, handle: UInt64)

    public var description: String {
        switch self {
        case .addTable(let table): return "add table \(table)"
        case .deleteTable(let table): return "delete table \(table)"
        case .addChain(let chain): return "add chain \(chain.table) \(chain.name)\(hookText(chain.hook))"
        case .deleteChain(let chain): return "delete chain \(chain.table) \(chain.name)"
        case .flushChain(let chain): return "flush chain \(chain.table) \(chain.name)"
        case .addSet(let set): return "add \(set.kind) \(set.table) \(set.name) { type \(set.key)\(dataTypeText(set)); }"
        case .deleteSet(let set): return "delete \(set.kind) \(set.table) \(set.name)"
        case .addElements(let set, let elements): return "add element \(set.table) \(set.name) \(elementsText(set, elements))"
        case .deleteElements(let set, let elements): return "delete element \(set.table) \(set.name) \(elementsText(set, elements, withData: false))"
        case .addRule(let rule): return "add rule \(rule.chain.table) \(rule.chain.name) …\(rule.comment.map { " comment \"\($0)\"" } ?? "")"
        case .insertRule(let rule): return "insert rule \(rule.chain.table) \(rule.chain.name) …\(rule.comment.map { " comment \"\($0)\"" } ?? "")"
        case .deleteRule(let chain, let handle): return "delete rule \(chain.table) \(chain.name) handle \(handle)"
        }
    }

    /// The message type and the flags beyond `NLM_F_REQUEST | NLM_F_ACK`.
    var message: (type: nf_tables_msg_types, flags: Int32) {
        switch self {
        case .addTable: return (NFT_MSG_NEWTABLE, NLM_F_CREATE)
        case .deleteTable: return (NFT_MSG_DELTABLE, 0)
        case .addChain: return (NFT_MSG_NEWCHAIN, NLM_F_CREATE)
        case .deleteChain: return (NFT_MSG_DELCHAIN, 0)
        case .flushChain: return (NFT_MSG_DELRULE, 0)
        case .addSet: return (NFT_MSG_NEWSET, NLM_F_CREATE)
        case .deleteSet: return (NFT_MSG_DELSET, 0)
        case .addElements: return (NFT_MSG_NEWSETELEM, NLM_F_CREATE)
        case .deleteElements: return (NFT_MSG_DELSETELEM, 0)
        case .addRule: return (NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND)
        case .insertRule: return (NFT_MSG_NEWRULE, NLM_F_CREATE)
        case .deleteRule: return (NFT_MSG_DELRULE, 0)
        }
    }

    var family: TableFamily {
        switch self {
        case .addTable(let table), .deleteTable(let table): return table.family
        case .addChain(let chain), .deleteChain(let chain), .flushChain(let chain): return chain.table.family
        case .addSet(let set), .deleteSet(let set), .addElements(let set, _), .deleteElements(let set, _):
            return set.table.family
        case .addRule(let rule), .insertRule(let rule): return rule.chain.table.family
        case .deleteRule(let chain, _): return chain.table.family
        }
    }

    /// An upper bound on the encoded size, so the scratch buffer libnftnl writes into (without
    /// bounds checks) is always large enough.
    var byteBound: Int {
        switch self {
        case .addElements(_, let elements), .deleteElements(_, let elements): return 1024 + elements.count * 512
        case .addRule(let rule), .insertRule(let rule): return 1024 + rule.expressions.count * 256
        default: return 1024
        }
    }

    /// Appends the message's attributes (the payload after `nfgenmsg`).
    func buildPayload(into header: UnsafeMutablePointer<nlmsghdr>) {
        switch self {
        case .addTable(let table), .deleteTable(let table):
            withObject(makeTable(table), free: nftnl_table_free) { nftnl_table_nlmsg_build_payload(header, $0) }
        case .addChain(let chain):
            withObject(makeChain(chain), free: nftnl_chain_free) { nftnl_chain_nlmsg_build_payload(header, $0) }
        case .deleteChain(let chain):
            withObject(makeChain(chain, includeHook: false), free: nftnl_chain_free) { nftnl_chain_nlmsg_build_payload(header, $0) }
        case .flushChain(let chain):
            withObject(makeRule(Rule(chain: chain, expressions: [])), free: nftnl_rule_free) { nftnl_rule_nlmsg_build_payload(header, $0) }
        case .addSet(let set), .deleteSet(let set):
            withObject(makeSet(set), free: nftnl_set_free) { nftnl_set_nlmsg_build_payload(header, $0) }
        case .addElements(let set, let elements):
            withObject(makeSet(set, elements: elements), free: nftnl_set_free) { nftnl_set_elems_nlmsg_build_payload(header, $0) }
        case .deleteElements(let set, let elements):
            let keysOnly = elements.map { SetElement(key: $0.key) }
            withObject(makeSet(set, elements: keysOnly), free: nftnl_set_free) { nftnl_set_elems_nlmsg_build_payload(header, $0) }
        case .addRule(let rule), .insertRule(let rule):
            withObject(makeRule(rule), free: nftnl_rule_free) { nftnl_rule_nlmsg_build_payload(header, $0) }
        case .deleteRule(let chain, let handle):
            withObject(makeRule(Rule(chain: chain, expressions: []), handle: handle), free: nftnl_rule_free) {
                nftnl_rule_nlmsg_build_payload(header, $0)
            }
        }
    }
}

private func withObject(_ object: OpaquePointer, free: (OpaquePointer) -> Void, _ body: (OpaquePointer) -> Void) {
    defer { free(object) }
    body(object)
}

private func hookText(_ hook: Chain.Hook?) -> String {
    guard let hook else { return "" }
    let names = ["prerouting", "input", "forward", "output", "postrouting"]
    let hookName = hook.hook < names.count ? names[Int(hook.hook)] : "\(hook.hook)"
    return " { type \(hook.type) hook \(hookName) priority \(hook.priority); policy \(hook.policy); }"
}

private func dataTypeText(_ set: NamedSet) -> String {
    if set.isVerdictMap { return " : verdict" }
    return set.data.map { " : \($0)" } ?? ""
}

private func elementsText(_ set: NamedSet, _ elements: [SetElement], withData: Bool = true) -> String {
    let items = elements.map { element -> String in
        var text = SetElement.describe(key: element.key, as: set.key)
        if withData, let comment = element.comment { text += " comment \"\(comment)\"" }
        if withData, let verdict = element.verdict { text += " : \(verdict)" }
        if withData, let data = element.data, let type = set.data { text += " : " + SetElement.describe(key: data, as: type) }
        return text
    }
    return "{ " + items.joined(separator: ", ") + " }"
}

/// A list of operations applied as one atomic nftables transaction: either all of them take
/// effect or none does.
///
/// `expectedGeneration`, when set, makes the kernel refuse the whole batch with ERESTART if any
/// other transaction committed since that ruleset generation was read (the batch-begin
/// attribute `NFNL_BATCH_GENID`, which is how `nft` itself avoids acting on a stale view).
public struct Batch: Hashable, Sendable {
    public var operations: [Operation]
    public var expectedGeneration: UInt32?

    public init(_ operations: [Operation] = [], expectedGeneration: UInt32? = nil) {
        self.operations = operations
        self.expectedGeneration = expectedGeneration
    }

    /// The batch as netlink bytes: BATCH_BEGIN (sequence `firstSequence`), one message per
    /// operation (sequences `firstSequence + 1 …`, each with `NLM_F_ACK`), BATCH_END.
    public func encoded(firstSequence: UInt32) -> [UInt8] {
        let capacity = operations.map(\.byteBound).max() ?? 1024
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { scratch.deallocate() }
        let text = scratch.assumingMemoryBound(to: CChar.self)
        var bytes: [UInt8] = []
        func take(_ header: UnsafeMutablePointer<nlmsghdr>) {
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: Int(header.pointee.nlmsg_len)))
        }
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: capacity)
        let begin = nftnl_batch_begin(text, firstSequence)!
        if let generation = expectedGeneration {
            mnl_attr_put_u32(begin, UInt16(NFNL_BATCH_GENID.rawValue), generation.bigEndian)
        }
        take(begin)
        for (index, operation) in operations.enumerated() {
            scratch.initializeMemory(as: UInt8.self, repeating: 0, count: capacity)
            let (type, flags) = operation.message
            let header = nftnl_nlmsg_build_hdr(
                text, UInt16(type.rawValue), UInt16(operation.family.rawValue),
                UInt16(flags | NLM_F_ACK), firstSequence + 1 + UInt32(index))!
            operation.buildPayload(into: header)
            take(header)
        }
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: capacity)
        take(nftnl_batch_end(text, firstSequence + UInt32(operations.count) + 1)!)
        return bytes
    }
}
