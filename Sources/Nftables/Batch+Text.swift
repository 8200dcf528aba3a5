import CNftnl

extension Operation {
    /// The operation as libnftnl prints it (`nftnl_*_snprintf`): for a rule the VM expressions
    /// exactly as `nft --debug=netlink` shows them, for elements their key bytes, verdict and
    /// userdata. Used for readable golden tests.
    public var libnftnlText: String {
        switch self {
        case .addTable(let table), .deleteTable(let table):
            return render(makeTable(table), nftnl_table_free) { nftnl_table_snprintf($0, $1, $2, 0, 0) }
        case .addChain(let chain), .deleteChain(let chain), .flushChain(let chain):
            return render(makeChain(chain), nftnl_chain_free) { nftnl_chain_snprintf($0, $1, $2, 0, 0) }
        case .addSet(let set), .deleteSet(let set):
            return render(makeSet(set), nftnl_set_free) { nftnl_set_snprintf($0, $1, $2, 0, 0) }
        case .addElements(let set, let elements):
            return render(makeSet(set, elements: elements), nftnl_set_free) { nftnl_set_snprintf($0, $1, $2, 0, 0) }
        case .deleteElements(let set, let elements):
            let keys = elements.map { SetElement(key: $0.key) }
            return render(makeSet(set, elements: keys), nftnl_set_free) { nftnl_set_snprintf($0, $1, $2, 0, 0) }
        case .addRule(let rule), .insertRule(let rule):
            return render(makeRule(rule), nftnl_rule_free) { nftnl_rule_snprintf($0, $1, $2, 0, 0) }
        case .deleteRule(let chain, let handle):
            let rule = makeRule(Rule(chain: chain, expressions: []), handle: handle)
            return render(rule, nftnl_rule_free) { nftnl_rule_snprintf($0, $1, $2, 0, 0) }
        }
    }
}

extension Batch {
    /// Every operation as its `nft` command followed by libnftnl's rendering, one block per
    /// operation; the text golden tests compare.
    public var text: String {
        var lines: [String] = []
        if let generation = expectedGeneration { lines.append("# only at ruleset generation \(generation)") }
        for operation in operations {
            lines.append("# nft \(operation.description)")
            lines.append(operation.libnftnlText.trimmingTrailingWhitespace)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

private func render(_ object: OpaquePointer, _ free: (OpaquePointer) -> Void,
                    _ print: (UnsafeMutablePointer<CChar>, Int, OpaquePointer) -> Int32) -> String {
    defer { free(object) }
    var buffer = [CChar](repeating: 0, count: 16384)
    let length = buffer.withUnsafeMutableBufferPointer { print($0.baseAddress!, $0.count, object) }
    let bytes = buffer.prefix(max(0, min(Int(length), buffer.count - 1))).map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

extension String {
    var trimmingTrailingWhitespace: String {
        var result = self
        while let last = result.last, last == " " || last == "\n" || last == "\t" { result.removeLast() }
        return result
    }
}
