/// Typed reading of one JSON object's members: the one way every decoder reads a key.
///
/// A member that is absent or `null` reads as `nil`. A member of another type is a ``CNIError``
/// with the decoder's code (7 for configuration, 6 for results), and the message names the
/// member's whole path (`ipam.routes[0].gw`) and the type that was expected, so a runtime author
/// sees at once which key to fix. Names match as ``Swift/Dictionary/member(_:)`` matches them:
/// exactly, else ignoring ASCII case, as Go's `encoding/json` does.
public struct JSONFields: Sendable {
    public let members: [String: JSONValue]
    /// Where this object sits in the document, such as `ipam` or `ips[1]`; empty at the top.
    public let path: String
    /// The code of every error these fields raise.
    public let code: CNIError.Code
    /// Put before every message, such as `invalid result: `.
    public let context: String

    public init(_ members: [String: JSONValue], at path: String = "", code: CNIError.Code = .invalidNetworkConfig,
                context: String = "")
    {
        self.members = members
        self.path = path
        self.code = code
        self.context = context
    }

    /// The fields of `value`, which must be an object.
    public init(_ value: JSONValue, at path: String, code: CNIError.Code = .invalidNetworkConfig, context: String = "")
        throws(CNIError)
    {
        self.init([:], at: path, code: code, context: context)
        guard let members = value.objectValue else { throw failure(path, "must be an object, not \(Self.describe(value))") }
        self.init(members, at: path, code: code, context: context)
    }

    /// The member's path, as messages name it.
    public func label(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The member named `key`, unless it is absent or `null`.
    public func present(_ key: String) -> JSONValue? {
        guard let value = members.member(key), !value.isNull else { return nil }
        return value
    }

    /// The member named `key` as a `T`; `nil` when absent or `null`.
    public func value<T: JSONFieldType>(_ key: String, as type: T.Type = T.self) throws(CNIError) -> T? {
        try value(key, as: type, expecting: T.expectation)
    }

    /// The same, for a member whose message names a more precise shape (“a list of CIDRs”).
    public func value<T: JSONFieldType>(_ key: String, as type: T.Type, expecting expectation: String) throws(CNIError) -> T? {
        guard let value = present(key) else { return nil }
        guard let typed = T(json: value) else { throw wrongType(key, expected: expectation, value) }
        return typed
    }

    /// An error about the member at `label` (a path, see ``label(_:)``), in these fields' code.
    public func failure(_ label: String, _ problem: String) -> CNIError {
        CNIError(code, "\(context)\"\(label)\" \(problem)")
    }

    /// The error for member `key` holding `value` where `expected` (“a list of CIDRs”) belongs.
    public func wrongType(_ key: String, expected: String, _ value: JSONValue) -> CNIError {
        failure(label(key), "must be \(expected), not \(Self.describe(value))")
    }

    /// The type of `value`, and the value itself when it is short enough to quote.
    static func describe(_ value: JSONValue) -> String {
        let text = value.serialized()
        return text.utf8.count <= 64 ? "\(value.typeName) \(text)" : value.typeName
    }
}

extension JSONFields {
    public func string(_ key: String) throws(CNIError) -> String? { try value(key, as: String.self) }

    /// A boolean; the strings "true" and "false" are accepted too, as libcni accepts them for
    /// its flags and runtimes that template configurations send them.
    public func bool(_ key: String, default absent: Bool = false) throws(CNIError) -> Bool {
        guard let value = present(key) else { return absent }
        if let flag = value.boolValue { return flag }
        if let text = value.stringValue, let flag = Bool(text) { return flag }
        throw wrongType(key, expected: "a boolean", value)
    }

    /// An integer that must lie in `range`; out of range is an error, never clamped.
    public func integer(_ key: String, in range: ClosedRange<Int>) throws(CNIError) -> Int? {
        guard let number = try value(key, as: Int.self) else { return nil }
        guard range.contains(number) else {
            throw failure(label(key), "\(number) is out of range \(range.lowerBound)–\(range.upperBound)")
        }
        return number
    }

    /// A list; absent and `null` read as empty.
    public func array(_ key: String) throws(CNIError) -> [JSONValue] { try value(key, as: [JSONValue].self) ?? [] }

    /// A list of strings; absent and `null` read as empty.
    public func strings(_ key: String) throws(CNIError) -> [String] {
        guard let value = present(key) else { return [] }
        guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
            throw wrongType(key, expected: "a list of strings", value)
        }
        return list.compactMap(\.stringValue)
    }

    /// A nested object, read with the same code and context.
    public func object(_ key: String) throws(CNIError) -> JSONFields? {
        guard let members = try value(key, as: [String: JSONValue].self) else { return nil }
        return JSONFields(members, at: label(key), code: code, context: context)
    }

    /// Element `index` of list `key`, which must be an object.
    public func element(_ value: JSONValue, of key: String, at index: Int) throws(CNIError) -> JSONFields {
        try JSONFields(value, at: "\(label(key))[\(index)]", code: code, context: context)
    }

    /// An `address/prefix` string; an empty string reads as absent, as in the reference library.
    public func network(_ key: String) throws(CNIError) -> IPNetwork? {
        guard let text = try string(key), !text.isEmpty else { return nil }
        guard let network = IPNetwork(text) else { throw failure(label(key), "\"\(text)\" is not a CIDR such as 10.0.0.0/8") }
        return network
    }

    /// A bare IP address string; an empty string reads as absent, as in the reference library.
    public func address(_ key: String) throws(CNIError) -> IPAddress? {
        guard let text = try string(key), !text.isEmpty else { return nil }
        guard let address = IPAddress(text) else { throw failure(label(key), "\"\(text)\" is not an IP address") }
        return address
    }
}

/// A Swift type a JSON member can be read as, with how messages name it.
public protocol JSONFieldType {
    /// The expected type as an error message says it: “a string”.
    static var expectation: String { get }
    init?(json: JSONValue)
}

extension String: JSONFieldType {
    public static var expectation: String { "a string" }
    public init?(json: JSONValue) {
        guard let text = json.stringValue else { return nil }
        self = text
    }
}

extension Int: JSONFieldType {
    public static var expectation: String { "an integer" }
    public init?(json: JSONValue) {
        guard let number = json.integerValue else { return nil }
        self = number
    }
}

extension Array: JSONFieldType where Element == JSONValue {
    public static var expectation: String { "a list" }
    public init?(json: JSONValue) {
        guard let list = json.arrayValue else { return nil }
        self = list
    }
}

extension Dictionary: JSONFieldType where Key == String, Value == JSONValue {
    public static var expectation: String { "an object" }
    public init?(json: JSONValue) {
        guard let object = json.objectValue else { return nil }
        self = object
    }
}
