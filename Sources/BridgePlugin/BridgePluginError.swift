import CNIProtocol

/// Failures of the bridge plugin itself, with plugin-specific CNI codes from 100.
public struct BridgePluginError: Error, CNIErrorConvertible, CustomStringConvertible {
    public struct Kind: Hashable, Sendable {
        public var code: UInt
        /// 100: a link the plugin must create already exists (`CNI_IFNAME` in the namespace, or a
        /// non-bridge link with the bridge's name).
        public static let linkConflict = Kind(code: 100)
        /// 101: CHECK found the attachment different from `prevResult`.
        public static let checkFailed = Kind(code: 101)
        /// 102: DEL or GC removed what it could but some steps failed.
        public static let teardownIncomplete = Kind(code: 102)
        /// 103: the container namespace cannot be used for ADD or CHECK.
        public static let namespaceUnusable = Kind(code: 103)
        /// 104: a kernel operation failed.
        public static let kernel = Kind(code: 104)
    }

    public var kind: Kind
    public var message: String
    public var details: String

    public init(_ kind: Kind, _ message: String, details: String = "") {
        self.kind = kind
        self.message = message
        self.details = details
    }

    public var cniError: CNIError {
        CNIError(CNIError.Code(rawValue: kind.code), message, details: details)
    }

    public var description: String { details.isEmpty ? message : "\(message): \(details)" }
}
