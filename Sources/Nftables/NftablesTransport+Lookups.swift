/// Reads that ADD's fast path makes on every call, shaped so the live transport can answer them
/// in as few round trips as possible.
public enum NftablesLookup: Hashable, Sendable {
    /// The ruleset generation (`generation()`); first in a datagram, it is the generation at
    /// which the lookups after it were answered.
    case generation
    /// The use count of one chain (`useCount(of:)`); `NFT_MSG_GETCHAIN` without a dump.
    case chainUse(Chain)
    /// The element of `set` at `key`, if present; `NFT_MSG_GETSETELEM` without a dump.
    case element(NamedSet, key: [UInt8])
}

/// The answer to one ``NftablesLookup``; `nil` when the chain or element is absent.
public enum NftablesLookupResult: Hashable, Sendable {
    case generation(UInt32?)
    case chainUse(UInt32?)
    case element(SetElement?)

    var generation: UInt32? {
        if case .generation(let generation) = self { return generation }
        return nil
    }

    var useCount: UInt32? {
        if case .chainUse(let use) = self { return use }
        return nil
    }

    var element: SetElement? {
        if case .element(let element) = self { return element }
        return nil
    }
}

extension NftablesTransport {
    /// Transports without a kernel connection have nothing to close.
    public func close() {}

    /// Answers each lookup in turn. `MNLNftablesTransport` sends them all in one datagram
    /// and reads the replies together instead.
    public func lookUp(_ lookups: [NftablesLookup]) throws -> [NftablesLookupResult] {
        try lookups.map { lookup in
            switch lookup {
            case .generation:
                return .generation(try generation())
            case .chainUse(let chain):
                return .chainUse(try useCount(of: chain))
            case .element(let set, let key):
                return .element(try elements(of: set, keys: [key])?.first)
            }
        }
    }

    /// The comments of the rules in `chain`; empty when the chain or its table is missing.
    /// The live transport lists the chain without first asking whether it exists: a caller
    /// that only compares against an expected non-empty list need not tell the two apart.
    public func ruleCommentsOrEmpty(in chain: Chain) throws -> [String?] {
        try ruleComments(in: chain) ?? []
    }
}
