#if canImport(Glibc)
import Glibc
#endif
import CMnl
import CNetlinkShims
import CNftnl

/// Lookups that need no dump travel together: the kernel answers each message of a datagram in
/// turn (a reply, then an ack or an error), so n lookups cost one `sendto` and the receives that
/// drain their replies, instead of n round trips.
extension MNLNftablesTransport {
    public func lookUp(_ lookups: [NftablesLookup]) throws -> [NftablesLookupResult] {
        guard !lookups.isEmpty else { return [] }
        let first = takeSequences(lookups.count)
        var bytes: [UInt8] = []
        for (index, lookup) in lookups.enumerated() {
            bytes += Self.message(for: lookup, sequence: first &+ UInt32(index))
        }
        // Every reply is queued before the first is read: a few hundred keys (a port range)
        // would overflow the default buffer, and a dropped reply would be waited for forever.
        reserveBuffers(sending: bytes.count, receiving: lookups.count * Self.replyTruesize)
        try send(bytes, what: "look up \(lookups.count) chains and elements")
        var results: [NftablesLookupResult] = lookups.map(Self.absent)
        var pending = lookups.count
        var failure: NftablesError?
        try receive(blocking: true) { reply in
            let index = Int(reply.pointee.nlmsg_seq &- first)
            guard index >= 0, index < lookups.count else { return .more }
            guard Int32(reply.pointee.nlmsg_type) == NLMSG_ERROR else {
                results[index] = Self.result(of: lookups[index], in: reply)
                return .more
            }
            // ENOENT: the chain, set or key is absent, which `absent` already says.
            let code = errorCode(reply)
            if code != 0, code != ENOENT, failure == nil {
                failure = NftablesError("look up \(Self.describe(lookups[index]))", errno: code)
            }
            pending -= 1
            return pending == 0 ? .finished : .more
        }
        if let failure { throw failure }
        return results
    }

    /// One dump, read for the comments only: the rules' expressions are not parsed, which on
    /// ADD's fast path is most of the work of listing a chain.
    public func ruleCommentsOrEmpty(in chain: Chain) throws -> [String?] {
        let query = makeRule(Rule(chain: chain, expressions: []))
        defer { nftnl_rule_free(query) }
        var comments: [String?] = []
        _ = try request(NFT_MSG_GETRULE, family: chain.table.family.rawValue, dump: true,
                        what: "list chain \(chain.table) \(chain.name)",
                        build: { nftnl_rule_nlmsg_build_payload($0, query) }) { header in
            var table = "", name = "", userdata: [UInt8]?
            for (type, value) in attributes(of: header) {
                switch Int(type) {
                case Int(NFTA_RULE_TABLE.rawValue): table = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
                case Int(NFTA_RULE_CHAIN.rawValue): name = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
                case Int(NFTA_RULE_USERDATA.rawValue): userdata = value
                default: break
                }
            }
            guard table == chain.table.name, name == chain.name else { return }
            comments.append(userdata.flatMap(comment(inUserdata:)))
        }
        return comments
    }

    private static func absent(_ lookup: NftablesLookup) -> NftablesLookupResult {
        switch lookup {
        case .generation: return .generation(nil)
        case .chainUse: return .chainUse(nil)
        case .element: return .element(nil)
        }
    }

    private static func describe(_ lookup: NftablesLookup) -> String {
        switch lookup {
        case .generation: return "generation"
        case .chainUse(let chain): return "chain \(chain.table) \(chain.name)"
        case .element(let set, _): return "element of \(set.table) \(set.name)"
        }
    }

    /// One request with `NLM_F_ACK`, so that every lookup ends with exactly one `NLMSG_ERROR`.
    private static func message(for lookup: NftablesLookup, sequence: UInt32) -> [UInt8] {
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 8)
        defer { scratch.deallocate() }
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        let buffer = scratch.assumingMemoryBound(to: CChar.self)
        let header: UnsafeMutablePointer<nlmsghdr>
        switch lookup {
        case .generation:
            header = nftnl_nlmsg_build_hdr(buffer, UInt16(NFT_MSG_GETGEN.rawValue), 0, UInt16(NLM_F_ACK), sequence)!
        case .chainUse(let chain):
            let query = makeChain(chain, includeHook: false)
            defer { nftnl_chain_free(query) }
            header = nftnl_nlmsg_build_hdr(buffer, UInt16(NFT_MSG_GETCHAIN.rawValue), UInt16(chain.table.family.rawValue),
                                           UInt16(NLM_F_ACK), sequence)!
            nftnl_chain_nlmsg_build_payload(header, query)
        case .element(let set, let key):
            let query = makeSet(set, elements: [SetElement(key: key)])
            defer { nftnl_set_free(query) }
            header = nftnl_nlmsg_build_hdr(buffer, UInt16(NFT_MSG_GETSETELEM.rawValue), UInt16(set.table.family.rawValue),
                                           UInt16(NLM_F_ACK), sequence)!
            nftnl_set_elems_nlmsg_build_payload(header, query)
        }
        return Array(UnsafeRawBufferPointer(start: scratch, count: Int(header.pointee.nlmsg_len)))
    }

    private static func result(of lookup: NftablesLookup, in reply: UnsafeMutablePointer<nlmsghdr>) -> NftablesLookupResult {
        switch lookup {
        case .generation:
            let value = attributes(of: reply).first { $0.0 == UInt16(NFTA_GEN_ID.rawValue) && $0.1.count == 4 }?.1
            return .generation(value?.reduce(0) { $0 << 8 | UInt32($1) })
        case .chainUse:
            let chain = nftnl_chain_alloc()!
            defer { nftnl_chain_free(chain) }
            guard nftnl_chain_nlmsg_parse(reply, chain) >= 0 else { return .chainUse(nil) }
            return .chainUse(nftnl_chain_get_u32(chain, UInt16(NFTNL_CHAIN_USE.rawValue)))
        case .element:
            return .element(parseElements(reply).first)
        }
    }
}
