/// Netlink bytes as one 4-byte word per line (`0a 00 00 05`), the layout google/nftables'
/// recorder prints, so a failing golden shows the exact word that differs.
func hexWords(_ bytes: [UInt8]) -> [String] {
    stride(from: 0, to: bytes.count, by: 4).map { start in
        bytes[start..<min(start + 4, bytes.count)].map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
        }.joined(separator: " ")
    }
}

/// Strips `// comment` tails and blank lines from an annotated golden.
func goldenWords(_ annotated: String) -> [String] {
    annotated.split(separator: "\n").compactMap { line in
        let code = line.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let trimmed = code.trimmingCharacters(in: " ")
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text.removeFirst() }
        while text.last == set { text.removeLast() }
        return String(text)
    }
}
