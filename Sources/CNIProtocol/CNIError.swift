/// The error object a plugin prints on stdout: `{cniVersion, code, msg, details}`.
public struct CNIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A CNI error code. An open set: the spec reserves 0–99, and plugins may define codes from 100.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt
        public init(rawValue: UInt) { self.rawValue = rawValue }

        /// 1: the configuration's `cniVersion` is not supported.
        public static let incompatibleCNIVersion = Code(rawValue: 1)
        /// 2: a configuration field is not supported; the message names the key and value.
        public static let unsupportedField = Code(rawValue: 2)
        /// 3: the container is unknown or gone; the runtime needs no DEL cleanup.
        public static let unknownContainer = Code(rawValue: 3)
        /// 4: required environment variables are missing or invalid; the message names them.
        public static let invalidEnvironmentVariables = Code(rawValue: 4)
        /// 5: an I/O failure, such as reading stdin.
        public static let ioFailure = Code(rawValue: 5)
        /// 6: content could not be decoded (bad JSON, bad version string).
        public static let decodingFailure = Code(rawValue: 6)
        /// 7: the network configuration is invalid.
        public static let invalidNetworkConfig = Code(rawValue: 7)
        /// 8: the network namespace is invalid (a library code, outside the spec table).
        public static let invalidNetNS = Code(rawValue: 8)
        /// 11: a transient condition; try again later.
        public static let tryAgainLater = Code(rawValue: 11)
        /// 50: the plugin cannot serve ADD requests.
        public static let pluginNotAvailable = Code(rawValue: 50)
        /// 51: the plugin cannot serve ADD requests and existing containers may be impaired.
        public static let pluginNotAvailableLimitedConnectivity = Code(rawValue: 51)
        /// 999: anything unexpected.
        public static let `internal` = Code(rawValue: 999)
    }

    public var code: Code
    public var message: String
    public var details: String

    public init(_ code: Code, _ message: String, details: String = "") {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String {
        details.isEmpty ? "CNI error \(code.rawValue): \(message)" : "CNI error \(code.rawValue): \(message): \(details)"
    }

    /// The spec's error object, in `cniVersion`.
    public func json(cniVersion: String) -> JSONValue {
        var members: [String: JSONValue] = [
            "cniVersion": .string(cniVersion),
            "code": .integer(Int64(code.rawValue)),
            "msg": .string(message),
        ]
        if !details.isEmpty { members["details"] = .string(details) }
        return .object(members)
    }
}

/// An error from a lower layer that knows which CNI error it stands for.
public protocol CNIErrorConvertible: Error {
    var cniError: CNIError { get }
}

extension CNIError: CNIErrorConvertible {
    public var cniError: CNIError { self }
}
