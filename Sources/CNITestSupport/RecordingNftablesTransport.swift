import Nftables

/// A fake nftables kernel for unprivileged tests (in the spirit of knftables' `Fake`): it
/// records every batch, keeps an in-memory ruleset, and enforces the few kernel rules nsbridge
/// relies on — a batch is all-or-nothing, deleting something absent is ENOENT, deleting a
/// chain that a map element still jumps to is EBUSY, and a batch pinned to an older
/// generation is ERESTART.
public final class RecordingNftablesTransport: NftablesTransport {
    /// In-memory state, keyed by "family table name".
    public struct State: Equatable, Sendable {
        public var tables: Set<String> = []
        /// Chain → comments of its rules, in order.
        public var chains: [String: [String?]] = [:]
        /// Set → its elements, keyed by key bytes.
        public var sets: [String: [[UInt8]: SetElement]] = [:]
        /// Chain → the handles of its rules and the chain each jumps to, parallel to `chains`.
        public var ruleLinks: [String: [RuleLink]] = [:]
        var nextRuleHandle: UInt64 = 1
    }

    /// What the fake remembers of a rule beyond its comment.
    public struct RuleLink: Equatable, Sendable {
        public var handle: UInt64
        /// The chain a `jump`/`goto` verdict of the rule targets.
        public var target: String?
    }

    public private(set) var state = State()
    /// Every batch the code under test applied successfully, in order.
    public private(set) var appliedBatches: [Batch] = []
    /// Every batch attempted, including refused ones.
    public private(set) var attemptedBatches: [Batch] = []
    public private(set) var currentGeneration: UInt32 = 1
    /// Errors to throw from the next `apply` calls, consumed first to last (e.g. to simulate
    /// a concurrent writer with `NftablesError("…", errno: 85)` = ERESTART).
    public var injectedApplyErrors: [NftablesError] = []

    public init() {}

    public func apply(_ batch: Batch) throws {
        attemptedBatches.append(batch)
        if !injectedApplyErrors.isEmpty {
            currentGeneration += 1
            throw injectedApplyErrors.removeFirst()
        }
        if let expected = batch.expectedGeneration, expected != currentGeneration {
            throw NftablesError("begin batch", errno: 85)
        }
        var next = state
        for (index, operation) in batch.operations.enumerated() {
            if let errno = Self.apply(operation, to: &next) {
                throw NftablesError(operation.description, errno: errno, operationIndex: index)
            }
        }
        state = next
        appliedBatches.append(batch)
        currentGeneration += 1
    }

    public func generation() throws -> UInt32 { currentGeneration }

    public func elements(of set: NamedSet, keys: [[UInt8]]?) throws -> [SetElement]? {
        guard let elements = state.sets[Self.name(set)] else { return keys == nil ? nil : [] }
        guard let keys else { return elements.values.sorted { $0.key.lexicographicallyPrecedes($1.key) } }
        return keys.compactMap { elements[$0] }
    }

    public func ruleComments(in chain: Chain) throws -> [String?]? { state.chains[Self.name(chain)] }

    public func rules(in chain: Chain) throws -> [RuleEntry]? {
        guard let comments = state.chains[Self.name(chain)] else { return nil }
        let links = state.ruleLinks[Self.name(chain)] ?? []
        return zip(comments, links).map { RuleEntry(handle: $1.handle, comment: $0) }
    }

    public func useCount(of chain: Chain) throws -> UInt32? {
        guard let rules = state.chains[Self.name(chain)] else { return nil }
        let references = state.sets.filter { $0.key.hasPrefix("\(chain.table) ") }.values
            .flatMap(\.values).filter { $0.verdict?.description == "goto \(chain.name)" }.count
        let jumps = state.ruleLinks.values.joined().filter { $0.target == chain.name }.count
        return UInt32(rules.count + references + jumps)
    }

    public func chainNames(in table: Table) throws -> [String]? {
        guard state.tables.contains("\(table)") else { return nil }
        return state.chains.keys.filter { $0.hasPrefix("\(table) ") }.map { String($0.dropFirst("\(table) ".count)) }.sorted()
    }

    /// Removes everything, as `nft flush ruleset` does.
    public func flushRuleset() {
        state = State()
        currentGeneration += 1
    }

    static func name(_ chain: Chain) -> String { "\(chain.table) \(chain.name)" }
    static func name(_ set: NamedSet) -> String { "\(set.table) \(set.name)" }

    /// Applies one operation; returns an errno if the kernel would refuse it.
    private static func apply(_ operation: Operation, to state: inout State) -> Int32? {
        switch operation {
        case .addTable(let table):
            state.tables.insert("\(table)")
        case .deleteTable(let table):
            guard state.tables.remove("\(table)") != nil else { return 2 }
            state.chains = state.chains.filter { !$0.key.hasPrefix("\(table) ") }
            state.sets = state.sets.filter { !$0.key.hasPrefix("\(table) ") }
            state.ruleLinks = state.ruleLinks.filter { !$0.key.hasPrefix("\(table) ") }
        case .addChain(let chain):
            guard state.tables.contains("\(chain.table)") else { return 2 }
            if state.chains[name(chain)] == nil { state.chains[name(chain)] = [] }
        case .flushChain(let chain):
            guard state.chains[name(chain)] != nil else { return 2 }
            state.chains[name(chain)] = []
            state.ruleLinks[name(chain)] = []
        case .deleteChain(let chain):
            guard state.chains[name(chain)] != nil else { return 2 }
            let referenced = state.sets.values.contains { $0.values.contains { $0.verdict?.description == "goto \(chain.name)" } }
            let jumpedTo = state.ruleLinks.contains { $0.key.hasPrefix("\(chain.table) ") && $0.value.contains { $0.target == chain.name } }
            if referenced || jumpedTo { return 16 }
            state.chains[name(chain)] = nil
            state.ruleLinks[name(chain)] = nil
        case .addSet(let set):
            guard state.tables.contains("\(set.table)") else { return 2 }
            if state.sets[name(set)] == nil { state.sets[name(set)] = [:] }
        case .deleteSet(let set):
            guard state.sets.removeValue(forKey: name(set)) != nil else { return 2 }
        case .addElements(let set, let elements):
            guard state.sets[name(set)] != nil else { return 2 }
            for element in elements where state.sets[name(set)]?[element.key] == nil {
                state.sets[name(set)]?[element.key] = element
            }
        case .deleteElements(let set, let elements):
            guard state.sets[name(set)] != nil else { return 2 }
            for element in elements {
                guard state.sets[name(set)]?.removeValue(forKey: element.key) != nil else { return 2 }
            }
        case .addRule(let rule):
            guard state.chains[name(rule.chain)] != nil else { return 2 }
            state.chains[name(rule.chain)]?.append(rule.comment)
            state.ruleLinks[name(rule.chain), default: []].append(link(rule, &state))
        case .insertRule(let rule):
            guard state.chains[name(rule.chain)] != nil else { return 2 }
            state.chains[name(rule.chain)]?.insert(rule.comment, at: 0)
            state.ruleLinks[name(rule.chain), default: []].insert(link(rule, &state), at: 0)
        case .deleteRule(let chain, let handle):
            guard let index = state.ruleLinks[name(chain)]?.firstIndex(where: { $0.handle == handle }) else { return 2 }
            state.ruleLinks[name(chain)]?.remove(at: index)
            state.chains[name(chain)]?.remove(at: index)
        }
        return nil
    }

    private static func link(_ rule: Rule, _ state: inout State) -> RuleLink {
        defer { state.nextRuleHandle += 1 }
        let target = rule.expressions.lazy.compactMap { expression -> String? in
            switch expression {
            case .verdict(.jump(let chain)), .verdict(.goto(let chain)): return chain
            default: return nil
            }
        }.first
        return RuleLink(handle: state.nextRuleHandle, target: target)
    }
}
