/// The bytes of one parsed JSON document, shared by every ``JSONText`` slice of it.
///
/// A class so that a slice costs a reference rather than a copy; the bytes never change, which
/// makes it safe to share between threads.
public final class JSONDocument: Sendable {
    let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }
}

/// An array, object or long string of a parsed document, validated but not decoded: where it
/// lies in the document's bytes. Offsets are 32-bit so that a ``JSONValue`` holding one stays as small as
/// one holding a string.
public struct JSONText: Sendable {
    let document: JSONDocument
    let start: UInt32
    let end: UInt32

    /// The slice's size in the document, whitespace included.
    public var byteCount: Int { Int(end - start) }

    var isArray: Bool { document.bytes[Int(start)] == UInt8(ascii: "[") }
    var isObject: Bool { document.bytes[Int(start)] == UInt8(ascii: "{") }
    var isString: Bool { document.bytes[Int(start)] == UInt8(ascii: "\"") }

    /// The value decoded one level deep: `.array` or `.object` whose own containers are still
    /// unparsed, or `.string`.
    func decoded() -> JSONValue {
        var parser = JSONParser(slice: self)
        return parser.decodeSlice()
    }

    /// Calls `body` with each element of this array, decoded one level deep, in order.
    func forEachElement(_ body: (JSONValue) -> Void) {
        var parser = JSONParser(slice: self)
        parser.forEachElement(body)
    }

    /// Whether both name the same bytes of the same document, which makes them equal.
    func isSameSlice(as other: JSONText) -> Bool {
        document === other.document && start == other.start && end == other.end
    }
}

extension JSONValue: Equatable {
    /// Equal when they hold the same JSON value, however much of each was decoded. An integer
    /// and a double are different values even when numerically equal, as `1` and `1.0` print
    /// differently.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.unparsed(let left), .unparsed(let right)) where left.isSameSlice(as: right): return true
        case (.unparsed(let left), _): return left.decoded() == rhs
        case (_, .unparsed(let right)): return lhs == right.decoded()
        case (.null, .null): return true
        case (.bool(let left), .bool(let right)): return left == right
        case (.integer(let left), .integer(let right)): return left == right
        case (.double(let left), .double(let right)): return left == right
        case (.string(let left), .string(let right)): return left == right
        case (.array(let left), .array(let right)): return left == right
        case (.object(let left), .object(let right)): return left == right
        default: return false
        }
    }
}
