/// A failure to parse JSON text, with the byte offset where it was noticed.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String

    public var description: String { "\(reason) at byte \(offset)" }
}

extension JSONValue {
    /// Parses one JSON document; trailing non-whitespace is an error.
    public init(parsing text: String) throws(JSONParseError) {
        self = try JSONValue(parsing: Array(text.utf8))
    }

    /// Parses one JSON document from UTF-8 bytes; trailing non-whitespace is an error.
    ///
    /// The whole document is validated here, so every error carries its byte offset, but only
    /// the outermost value is decoded: the arrays and objects it contains stay ``unparsed(_:)``
    /// slices of `bytes` (shared, not copied) until they are read. A configuration padded with
    /// megabytes nobody reads then costs its bytes and not a tree many times their size.
    public init(parsing bytes: [UInt8]) throws(JSONParseError) {
        var parser = JSONParser(bytes: bytes)
        self = try parser.parseDocument()
    }
}

/// A recursive-descent parser over UTF-8 bytes (RFC 8259).
///
/// It decodes as many levels of containers as asked and validates the rest without allocating:
/// ``parseValue(levels:)`` with `levels` ≥ 1 decodes a container and its members one level
/// less deep, 0 decodes numbers and short strings but keeps a container or a long string as a
/// ``JSONText`` slice, and -1 only validates. Validation and decoding are the same code, so an unparsed slice decodes later
/// exactly as it would have now.
struct JSONParser {
    private let bytes: [UInt8]
    /// Where slices point; `nil` when offsets do not fit a ``JSONText`` and everything is decoded.
    private let document: JSONDocument?
    private var index = 0
    private var depth = 0
    private static let maximumDepth = 512
    /// A string member longer than this (in bytes, escaped) stays unparsed until read, like a
    /// container; shorter ones, which is every name and address, are decoded at once.
    private static let longString = 1024

    init(bytes: [UInt8]) {
        self.bytes = bytes
        document = bytes.count < UInt32.max ? JSONDocument(bytes: bytes) : nil
    }

    /// A parser positioned on a slice already validated by ``parseDocument()``.
    init(slice: JSONText) {
        bytes = slice.document.bytes
        document = slice.document
        index = Int(slice.start)
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(levels: document == nil ? Int.max : 1)
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected data after the JSON value") }
        return value
    }

    /// The container at the slice's start, decoded one level deep.
    mutating func decodeSlice() -> JSONValue {
        do {
            return try parseValue(levels: 1)
        } catch {
            preconditionFailure("a validated JSON slice failed to decode: \(error)")
        }
    }

    /// Calls `body` with each element of the array at the slice's start, decoded one level deep,
    /// without building the array.
    mutating func forEachElement(_ body: (JSONValue) -> Void) {
        do throws(JSONParseError) {
            try enterContainer()
            guard bytes[index] != UInt8(ascii: "]") else { return }
            while true {
                body(try parseValue(levels: 0))
                skipWhitespace()
                if bytes[index] == UInt8(ascii: "]") { return }
                index += 1
                skipWhitespace()
            }
        } catch {
            preconditionFailure("a validated JSON slice failed to decode: \(error)")
        }
    }

    private func failure(_ reason: String) -> JSONParseError {
        JSONParseError(offset: index, reason: reason)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(levels: Int) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard levels == 0, let document else {
                return bytes[index] == UInt8(ascii: "{") ? try parseObject(levels: levels) : try parseArray(levels: levels)
            }
            let start = index
            _ = bytes[index] == UInt8(ascii: "{") ? try parseObject(levels: -1) : try parseArray(levels: -1)
            return .unparsed(JSONText(document: document, start: UInt32(start), end: UInt32(index)))
        case UInt8(ascii: "\""):
            let start = index
            let body = try scanString()
            if levels == 0, body.range.count > Self.longString, let document {
                return .unparsed(JSONText(document: document, start: UInt32(start), end: UInt32(index)))
            }
            return .string(levels >= 0 ? decodeString(body) : "")
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected character '\(Unicode.Scalar(bytes[index]))'")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("unexpected end of input") }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
            throw failure("invalid literal")
        }
        index += count
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth)") }
        index += 1
        skipWhitespace()
    }

    /// An object; its members are kept only when `levels` ≥ 1.
    private mutating func parseObject(levels: Int) throws(JSONParseError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        var members: [String: JSONValue] = [:]
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try parseString(keeping: levels > 0)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue(levels: levels > 0 ? levels - 1 : -1)
            if levels > 0 { members[key] = value }
            skipWhitespace()
            guard index < bytes.count else { throw failure("unterminated object") }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            guard bytes[index] == UInt8(ascii: ",") else { throw failure("expected ',' or '}'") }
            index += 1
            skipWhitespace()
        }
    }

    /// An array; its elements are kept only when `levels` ≥ 1.
    private mutating func parseArray(levels: Int) throws(JSONParseError) -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        var elements: [JSONValue] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            let element = try parseValue(levels: levels > 0 ? levels - 1 : -1)
            if levels > 0 { elements.append(element) }
            skipWhitespace()
            guard index < bytes.count else { throw failure("unterminated array") }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            guard bytes[index] == UInt8(ascii: ",") else { throw failure("expected ',' or ']'") }
            index += 1
            skipWhitespace()
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
            skipDigits()
        }
        if isInteger, let value = shortInteger(start..<index) { return .integer(value) }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .integer(value) }
        // Go's encoding/json refuses a number no float64 can hold; so do we, rather than keep an
        // infinity that no key could use and that would print as null.
        guard let value = Double(text), value.isFinite else {
            index = start
            throw failure("number \(text) is out of range")
        }
        return .double(value)
    }

    /// An integer of at most 18 digits, which always fits Int64, read without making a string.
    private func shortInteger(_ range: Range<Int>) -> Int64? {
        let negative = bytes[range.lowerBound] == UInt8(ascii: "-")
        let digits = (negative ? range.lowerBound + 1 : range.lowerBound)..<range.upperBound
        guard digits.count <= 18 else { return nil }
        var value: Int64 = 0
        for position in digits { value = value * 10 + Int64(bytes[position] - UInt8(ascii: "0")) }
        return negative ? -value : value
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    /// A string; validated always, decoded only when `keeping` (otherwise "" comes back).
    private mutating func parseString(keeping: Bool) throws(JSONParseError) -> String {
        let body = try scanString()
        return keeping ? decodeString(body) : ""
    }

    /// Validates the string at the index and moves past it: the range of its body between the
    /// quotes, and whether that holds escapes.
    private mutating func scanString() throws(JSONParseError) -> (range: Range<Int>, escaped: Bool) {
        let start = index + 1
        index = start
        var escaped = false
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw failure("control character in string") }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                _ = try parseEscape()
            } else {
                index += 1
            }
        }
        index += 1  // closing quote
        return (start..<index - 1, escaped)
    }

    /// A scanned string body as a `String`, costing one string of at most the body's size: one
    /// copy of the bytes without escapes; with escapes, a second walk writes straight into the
    /// string's storage, and cannot fail because the scan validated the body.
    private func decodeString(_ body: (range: Range<Int>, escaped: Bool)) -> String {
        body.escaped ? unescape(body.range) : String(decoding: bytes[body.range], as: UTF8.self)
    }

    /// The validated string body at `range` with its escapes decoded; invalid UTF-8 in the raw
    /// runs becomes U+FFFD, as `String(decoding:as:)` repairs it.
    private func unescape(_ range: Range<Int>) -> String {
        var reader = self
        reader.index = range.lowerBound
        return String(unsafeUninitializedCapacity: range.count) { buffer in
            var count = 0
            while reader.index < range.upperBound {
                let byte = reader.bytes[reader.index]
                guard byte == UInt8(ascii: "\\") else {
                    buffer[count] = byte
                    count += 1
                    reader.index += 1
                    continue
                }
                let scalar = (try? reader.parseEscape()) ?? "\u{FFFD}"
                UTF8.encode(scalar) { unit in
                    buffer[count] = unit
                    count += 1
                }
            }
            return count
        }
    }

    private mutating func parseEscape() throws(JSONParseError) -> Unicode.Scalar {
        index += 1
        guard index < bytes.count else { throw failure("unterminated escape") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"): return try parseUnicodeEscape()
        default: throw failure("invalid escape")
        }
    }

    private mutating func parseUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        let first = try parseHex4()
        if (0xD800...0xDBFF).contains(first) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { return "\u{FFFD}" }
            let escapeStart = index
            index += 2
            let second = try parseHex4()
            guard (0xDC00...0xDFFF).contains(second) else {
                // Not a pair: the lone high surrogate becomes U+FFFD, as in Go, and the escape
                // that followed is read again on its own.
                index = escapeStart
                return "\u{FFFD}"
            }
            let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            return Unicode.Scalar(combined) ?? "\u{FFFD}"
        }
        return Unicode.Scalar(first) ?? "\u{FFFD}"
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
