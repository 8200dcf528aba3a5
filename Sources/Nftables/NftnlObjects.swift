#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol
import CNetlinkShims
import CNftnl

// Conversions from the ruleset model to libnftnl objects. Each `make…` returns an object the
// caller owns and must free with the matching `nftnl_*_free`. Expressions added to a rule and
// elements added to a set become owned by that rule or set.

/// nft's comment limit (`NFTNL_UDATA_COMMENT_MAXLEN`), in bytes without the terminating NUL.
let commentByteLimit = 128

/// Userdata TLV holding one NUL-terminated comment of `type`, built with `nftnl_udata_put_strz`.
func commentUserdata(_ comment: String, type: UInt8 = 0) -> [UInt8] {
    guard let buffer = nftnl_udata_buf_alloc(UInt32(commentByteLimit + 8)) else { return [] }
    defer { nftnl_udata_buf_free(buffer) }
    guard nftnl_udata_put_strz(buffer, type, comment) else { return [] }
    let length = Int(nftnl_udata_buf_len(buffer))
    guard let data = nftnl_udata_buf_data(buffer) else { return [] }
    return Array(UnsafeRawBufferPointer(start: data, count: length))
}

/// The comment (type 0 TLV) inside a userdata blob, if any. Parsed here rather than through
/// `nftnl_udata_parse` to avoid a C callback for a two-byte header.
func comment(inUserdata bytes: [UInt8]) -> String? {
    var index = 0
    while index + 2 <= bytes.count {
        let type = bytes[index]
        let length = Int(bytes[index + 1])
        let end = index + 2 + length
        guard end <= bytes.count else { return nil }
        if type == 0 {
            let text = bytes[(index + 2)..<end].prefix { $0 != 0 }
            return String(decoding: text, as: UTF8.self)
        }
        index = end
    }
    return nil
}

func makeTable(_ table: Table) -> OpaquePointer {
    let object = nftnl_table_alloc()!
    nftnl_table_set_str(object, UInt16(NFTNL_TABLE_NAME.rawValue), table.name)
    nftnl_table_set_u32(object, UInt16(NFTNL_TABLE_FAMILY.rawValue), UInt32(table.family.rawValue))
    return object
}

func makeChain(_ chain: Chain, includeHook: Bool = true) -> OpaquePointer {
    let object = nftnl_chain_alloc()!
    nftnl_chain_set_str(object, UInt16(NFTNL_CHAIN_TABLE.rawValue), chain.table.name)
    nftnl_chain_set_str(object, UInt16(NFTNL_CHAIN_NAME.rawValue), chain.name)
    nftnl_chain_set_u32(object, UInt16(NFTNL_CHAIN_FAMILY.rawValue), UInt32(chain.table.family.rawValue))
    if includeHook, let hook = chain.hook {
        nftnl_chain_set_str(object, UInt16(NFTNL_CHAIN_TYPE.rawValue), hook.type)
        nftnl_chain_set_u32(object, UInt16(NFTNL_CHAIN_HOOKNUM.rawValue), hook.hook)
        nftnl_chain_set_s32(object, UInt16(NFTNL_CHAIN_PRIO.rawValue), hook.priority)
        nftnl_chain_set_u32(object, UInt16(NFTNL_CHAIN_POLICY.rawValue), UInt32(bitPattern: hook.policy.code))
    }
    return object
}

func makeSet(_ set: NamedSet, elements: [SetElement] = []) -> OpaquePointer {
    let object = nftnl_set_alloc()!
    nftnl_set_set_str(object, UInt16(NFTNL_SET_TABLE.rawValue), set.table.name)
    nftnl_set_set_str(object, UInt16(NFTNL_SET_NAME.rawValue), set.name)
    nftnl_set_set_u32(object, UInt16(NFTNL_SET_FAMILY.rawValue), UInt32(set.table.family.rawValue))
    nftnl_set_set_u32(object, UInt16(NFTNL_SET_KEY_TYPE.rawValue), set.key.typeNumber)
    nftnl_set_set_u32(object, UInt16(NFTNL_SET_KEY_LEN.rawValue), UInt32(set.key.byteLength))
    // The kernel requires a transaction-local set ID on NEWSET; nothing refers to it by ID.
    nftnl_set_set_u32(object, UInt16(NFTNL_SET_ID.rawValue), UInt32(truncatingIfNeeded: StableHash.fnv1a64(set.name)))
    if set.isVerdictMap {
        nftnl_set_set_u32(object, UInt16(NFTNL_SET_FLAGS.rawValue), UInt32(NFT_SET_MAP.rawValue))
        nftnl_set_set_u32(object, UInt16(NFTNL_SET_DATA_TYPE.rawValue), NFT_DATA_VERDICT.rawValue)
    } else if let data = set.data {
        nftnl_set_set_u32(object, UInt16(NFTNL_SET_FLAGS.rawValue), UInt32(NFT_SET_MAP.rawValue))
        nftnl_set_set_u32(object, UInt16(NFTNL_SET_DATA_TYPE.rawValue), data.typeNumber)
        nftnl_set_set_u32(object, UInt16(NFTNL_SET_DATA_LEN.rawValue), UInt32(data.byteLength))
    }
    for element in elements {
        nftnl_set_elem_add(object, makeElement(element))
    }
    return object
}

func makeElement(_ element: SetElement) -> OpaquePointer {
    let object = nftnl_set_elem_alloc()!
    element.key.withUnsafeBytes { key in
        _ = nftnl_set_elem_set(object, UInt16(NFTNL_SET_ELEM_KEY), key.baseAddress, UInt32(key.count))
    }
    if let verdict = element.verdict {
        nftnl_set_elem_set_u32(object, UInt16(NFTNL_SET_ELEM_VERDICT), UInt32(bitPattern: verdict.code))
        if let chain = verdict.chain {
            nftnl_set_elem_set_str(object, UInt16(NFTNL_SET_ELEM_CHAIN), chain)
        }
    }
    if let data = element.data {
        data.withUnsafeBytes { bytes in
            _ = nftnl_set_elem_set(object, UInt16(NFTNL_SET_ELEM_DATA), bytes.baseAddress, UInt32(bytes.count))
        }
    }
    if let comment = element.comment {
        commentUserdata(comment).withUnsafeBytes { data in
            _ = nftnl_set_elem_set(object, UInt16(NFTNL_SET_ELEM_USERDATA), data.baseAddress, UInt32(data.count))
        }
    }
    return object
}

func makeRule(_ rule: Rule, handle: UInt64? = nil) -> OpaquePointer {
    let object = nftnl_rule_alloc()!
    nftnl_rule_set_str(object, UInt16(NFTNL_RULE_TABLE.rawValue), rule.chain.table.name)
    nftnl_rule_set_str(object, UInt16(NFTNL_RULE_CHAIN.rawValue), rule.chain.name)
    nftnl_rule_set_u32(object, UInt16(NFTNL_RULE_FAMILY.rawValue), UInt32(rule.chain.table.family.rawValue))
    if let handle { nftnl_rule_set_u64(object, UInt16(NFTNL_RULE_HANDLE.rawValue), handle) }
    for expression in rule.expressions {
        nftnl_rule_add_expr(object, makeExpression(expression))
    }
    if let comment = rule.comment {
        commentUserdata(comment).withUnsafeBytes { data in
            _ = nftnl_rule_set_data(object, UInt16(NFTNL_RULE_USERDATA.rawValue), data.baseAddress, UInt32(data.count))
        }
    }
    return object
}

func makeExpression(_ expression: Expression) -> OpaquePointer {
    switch expression {
    case .meta(let key, let register):
        return expr("meta", u32: [(NFTNL_EXPR_META_KEY, key.rawValue), (NFTNL_EXPR_META_DREG, register.rawValue)])
    case .setMeta(let key, let register):
        return expr("meta", u32: [(NFTNL_EXPR_META_KEY, key.rawValue), (NFTNL_EXPR_META_SREG, register.rawValue)])
    case .payload(let base, let offset, let length, let register):
        return expr("payload", u32: [
            (NFTNL_EXPR_PAYLOAD_DREG, register.rawValue), (NFTNL_EXPR_PAYLOAD_BASE, base.rawValue),
            (NFTNL_EXPR_PAYLOAD_OFFSET, offset), (NFTNL_EXPR_PAYLOAD_LEN, length),
        ])
    case .compare(let register, let op, let data):
        let object = expr("cmp", u32: [(NFTNL_EXPR_CMP_SREG, register.rawValue), (NFTNL_EXPR_CMP_OP, op.rawValue)])
        setData(object, NFTNL_EXPR_CMP_DATA, data)
        return object
    case .bitwise(let register, let mask, let xor):
        let object = expr("bitwise", u32: [
            (NFTNL_EXPR_BITWISE_SREG, register.rawValue), (NFTNL_EXPR_BITWISE_DREG, register.rawValue),
            (NFTNL_EXPR_BITWISE_LEN, UInt32(mask.count)),
        ])
        setData(object, NFTNL_EXPR_BITWISE_MASK, mask)
        setData(object, NFTNL_EXPR_BITWISE_XOR, xor)
        return object
    case .lookup(let register, let set, let verdictMap):
        let object = expr("lookup", u32: [(NFTNL_EXPR_LOOKUP_SREG, register.rawValue)])
        nftnl_expr_set_str(object, UInt16(NFTNL_EXPR_LOOKUP_SET), set)
        if verdictMap { nftnl_expr_set_u32(object, UInt16(NFTNL_EXPR_LOOKUP_DREG), Register.verdict.rawValue) }
        return object
    case .lookupAbsent(let register, let set):
        let object = expr("lookup", u32: [(NFTNL_EXPR_LOOKUP_SREG, register.rawValue), (NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV.rawValue)])
        nftnl_expr_set_str(object, UInt16(NFTNL_EXPR_LOOKUP_SET), set)
        return object
    case .conntrack(let key, let register):
        return expr("ct", u32: [(NFTNL_EXPR_CT_KEY, key.rawValue), (NFTNL_EXPR_CT_DREG, register.rawValue)])
    case .verdict(let verdict):
        let object = expr("immediate", u32: [
            (NFTNL_EXPR_IMM_DREG, Register.verdict.rawValue), (NFTNL_EXPR_IMM_VERDICT, UInt32(bitPattern: verdict.code)),
        ])
        if let chain = verdict.chain { nftnl_expr_set_str(object, UInt16(NFTNL_EXPR_IMM_CHAIN), chain) }
        return object
    case .mapLookup(let source, let set, let destination):
        let object = expr("lookup", u32: [(NFTNL_EXPR_LOOKUP_SREG, source.rawValue), (NFTNL_EXPR_LOOKUP_DREG, destination.rawValue)])
        nftnl_expr_set_str(object, UInt16(NFTNL_EXPR_LOOKUP_SET), set)
        return object
    case .fibDestinationType(let register):
        return expr("fib", u32: [
            (NFTNL_EXPR_FIB_RESULT, UInt32(NFT_FIB_RESULT_ADDRTYPE.rawValue)),
            (NFTNL_EXPR_FIB_FLAGS, UInt32(NFTA_FIB_F_DADDR.rawValue)), (NFTNL_EXPR_FIB_DREG, register.rawValue),
        ])
    case .destinationNAT(let family, let address, let port):
        return expr("nat", u32: [
            (NFTNL_EXPR_NAT_TYPE, UInt32(NFT_NAT_DNAT.rawValue)), (NFTNL_EXPR_NAT_FAMILY, family == .v4 ? 2 : 10),
            (NFTNL_EXPR_NAT_REG_ADDR_MIN, address.rawValue), (NFTNL_EXPR_NAT_REG_PROTO_MIN, port.rawValue),
        ])
    case .masquerade:
        return expr("masq", u32: [])
    case .counter:
        return expr("counter", u32: [])
    case .match(let name, let revision, let info):
        let object = expr("match", u32: [(NFTNL_EXPR_MT_REV, revision)])
        nftnl_expr_set_str(object, UInt16(NFTNL_EXPR_MT_NAME), name)
        // libnftnl keeps (and later frees) the match info pointer instead of copying it.
        let owned = malloc(info.count)!
        info.withUnsafeBytes { owned.copyMemory(from: $0.baseAddress!, byteCount: info.count) }
        nftnl_expr_set(object, UInt16(NFTNL_EXPR_MT_INFO), owned, UInt32(info.count))
        return object
    }
}

private func expr(_ name: String, u32 attributes: [(Int, UInt32)]) -> OpaquePointer {
    let object = nftnl_expr_alloc(name)!
    for (attribute, value) in attributes {
        nftnl_expr_set_u32(object, UInt16(attribute), value)
    }
    return object
}

private func setData(_ object: OpaquePointer, _ attribute: Int, _ data: [UInt8]) {
    data.withUnsafeBytes { bytes in
        _ = nftnl_expr_set(object, UInt16(attribute), bytes.baseAddress, UInt32(bytes.count))
    }
}
