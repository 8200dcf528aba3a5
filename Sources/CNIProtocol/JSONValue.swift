/// A JSON document held as a tree of values.
///
/// The plugin parses and prints JSON itself instead of using Codable: a first Codable decode costs
/// about 3.6 M instructions in a fresh process, a hand-written parser about 0.4 M, and the plugin
/// is a fresh process on every container operation. Keeping the whole tree also means unknown
/// configuration keys survive untouched, which chained plugins and runtimes depend on.
///
/// Objects are unordered; ``serialized()`` always writes keys sorted, so output is stable.
///
/// A parsed document decodes only its outermost value; the containers and long strings inside
/// stay ``unparsed(_:)`` until read. Read values through ``subscript(_:)``, ``stringValue``,
/// ``arrayValue``, ``objectValue`` and ``JSONFields``, which decode them, never by matching
/// `.string`, `.array` or `.object` directly. Equality and ``serialized()`` do not depend on
/// what was decoded.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// An integer that fits in 64 bits, kept exact.
    case integer(Int64)
    /// Any other number.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
    /// An array, object or long string not decoded yet: a validated slice of the parsed input.
    case unparsed(JSONText)
}

extension JSONValue {
    /// The member named `key` when this is an object, otherwise `nil`; see
    /// `Dictionary.member(_:)` for how names match.
    public subscript(key: String) -> JSONValue? {
        objectValue?.member(key)
    }

    public var stringValue: String? {
        switch self {
        case .string(let value): return value
        case .unparsed(let text) where text.isString: return text.decoded().stringValue
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The value as an integer, when it is an integer or a double without a fraction.
    public var integerValue: Int? {
        switch self {
        case .integer(let value): return Int(exactly: value)
        case .double(let value): return Int(exactly: value)
        default: return nil
        }
    }

    /// The elements when this is an array; an unparsed one is decoded one level deep.
    public var arrayValue: [JSONValue]? {
        switch self {
        case .array(let value): return value
        case .unparsed(let text) where text.isArray: return text.decoded().arrayValue
        default: return nil
        }
    }

    /// The members when this is an object; an unparsed one is decoded one level deep.
    public var objectValue: [String: JSONValue]? {
        switch self {
        case .object(let value): return value
        case .unparsed(let text) where text.isObject: return text.decoded().objectValue
        default: return nil
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        case .unparsed(let text): return text.isArray ? "array" : text.isObject ? "object" : "string"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// The member named `name`, matched as Go's `encoding/json` matches struct fields: an exact
    /// match first, otherwise the first key equal to `name` ignoring ASCII case.
    ///
    /// Every key the plugin decodes is looked up through here. Runtimes built on go-cni
    /// (containerd's CRI) send Go field names instead of the documented spellings
    /// (`HostPort`, `IngressRate`, `IPRanges` with `Subnet`), and the reference plugins accept
    /// them because Go decodes case-insensitively.
    public func member(_ name: String) -> JSONValue? {
        if let exact = self[name] { return exact }
        for (key, value) in self where key.utf8.count == name.utf8.count && Self.equalIgnoringASCIICase(key, name) {
            return value
        }
        return nil
    }

    private static func equalIgnoringASCIICase(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8) { a, b in
            a == b || (a | 0x20 == b | 0x20 && (a | 0x20) >= UInt8(ascii: "a") && (a | 0x20) <= UInt8(ascii: "z"))
        }
    }
}
