import CNIProtocol
import LinuxSupport

/// A failed nftables request: what was attempted (the equivalent `nft` command), the errno the
/// kernel returned, and which operation of a batch it rejected.
public struct NftablesError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operation that failed, e.g. `delete chain inet nsbridge nsb-…-masq`, or `send batch`.
    public var operation: String
    public var errno: Int32
    /// The index in `Batch.operations` of the rejected operation, when the kernel named one.
    public var operationIndex: Int?

    public init(_ operation: String, errno: Int32, operationIndex: Int? = nil) {
        self.operation = operation
        self.errno = errno
        self.operationIndex = operationIndex
    }

    public var description: String {
        let position = operationIndex.map { " (batch operation \($0))" } ?? ""
        return "nftables: \(operation)\(position): \(SystemError.message(for: errno))"
    }
}

/// CHECK found firewall state missing or owned by someone else; `missing` names each item.
public struct MissingFirewallState: Error, Equatable, Sendable, CustomStringConvertible {
    public var missing: [String]

    public init(missing: [String]) { self.missing = missing }

    public var description: String { "missing nftables state: " + missing.joined(separator: "; ") }
}
