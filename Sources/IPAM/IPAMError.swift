import CNIProtocol
import Glibc
import LinuxSupport

/// What can go wrong in address management, with the CNI code each case stands for.
///
/// Codes: configuration problems are 7 (4 for a bad container ID or interface name, which come
/// from `CNI_*` variables), store I/O is 5, STATUS answers 50. Allocation outcomes that a runtime
/// or operator may want to tell apart use plugin codes 120–123 (the range reserved for IPAM;
/// the bridge plugin numbers its own codes elsewhere from 100).
public enum IPAMError: Error, Equatable, CustomStringConvertible, CNIErrorConvertible {
    /// The `ipam` configuration is invalid; the message names the offending value.
    case invalidConfiguration(String)
    /// A container ID or interface name cannot be used (it would be unsafe in a file name).
    case invalidAttachment(String)
    /// Every address of a range set is reserved.
    case poolExhausted(rangeSet: String, capacity: String)
    /// A requested address cannot be given (gateway, taken, outside every range).
    case requestedAddressUnavailable(IPAddress, reason: String)
    /// The attachment already holds an address in this range set.
    case duplicateAllocation(IPAddress, Attachment)
    /// CHECK found no reservation, or one that differs from `prevResult`.
    case checkFailed(String)
    /// The lease store could not be read or written.
    case store(SystemError)
    /// STATUS: the plugin cannot serve ADD right now.
    case notAvailable(String)
    /// The delegated IPAM plugin `type` is in none of the `CNI_PATH` directories.
    case pluginNotFound(type: String, searched: [String])
    /// Several independent failures (GC keeps going and reports them together).
    case several(summary: String, [String])

    public var description: String { cniError.details.isEmpty ? cniError.message : "\(cniError.message): \(cniError.details)" }

    public var cniError: CNIError {
        switch self {
        case .invalidConfiguration(let message):
            return CNIError(.invalidNetworkConfig, "invalid IPAM configuration", details: message)
        case .invalidAttachment(let message):
            return CNIError(.invalidEnvironmentVariables, message)
        case .poolExhausted(let rangeSet, let capacity):
            return CNIError(.ipamPoolExhausted, "no IP addresses available in range set \(rangeSet)",
                            details: "all \(capacity) taken; run GC or DEL for removed containers to free addresses")
        case .requestedAddressUnavailable(let address, let reason):
            return CNIError(.ipamAddressUnavailable, "requested IP address \(address) is not available", details: reason)
        case .duplicateAllocation(let address, let attachment):
            return CNIError(.ipamDuplicateAllocation, "\(address) is already allocated to \(attachment)",
                            details: "duplicate allocation is not allowed; send DEL first")
        case .checkFailed(let message):
            return CNIError(.ipamCheckFailed, message)
        case .store(let error):
            return CNIError(.ioFailure, Self.storeFailureMessage(error), details: error.description)
        case .notAvailable(let reason):
            return CNIError(.pluginNotAvailable, reason)
        case .pluginNotFound(let type, let searched):
            return CNIError(.invalidNetworkConfig, "failed to find IPAM plugin \"\(type)\"",
                            details: "searched CNI_PATH: [\(searched.joined(separator: ", "))]")
        case .several(let summary, let messages):
            return CNIError(.internal, summary, details: messages.joined(separator: "; "))
        }
    }
}

extension IPAMError {
    /// Names what the operator has to fix when the data directory cannot be written; nothing is
    /// half-written in any of these cases (reservations are linked into place only when complete).
    static func storeFailureMessage(_ error: SystemError) -> String {
        switch error.errno {
        case ENOSPC, EDQUOT:
            return "the IPAM data directory is full, so no address can be reserved; free space in it (ipam.dataDir)"
        case EROFS:
            return "the IPAM data directory is on a read-only file system, so no address can be reserved"
        case EACCES, EPERM:
            return "the IPAM data directory is not writable by the plugin"
        default:
            return "the IPAM data directory could not be read or written"
        }
    }
}

extension CNIError.Code {
    /// 120: a range set has no free address.
    public static let ipamPoolExhausted = CNIError.Code(rawValue: 120)
    /// 121: a requested address is the gateway, taken, or outside every range.
    public static let ipamAddressUnavailable = CNIError.Code(rawValue: 121)
    /// 122: the attachment already holds an address in that range set.
    public static let ipamDuplicateAllocation = CNIError.Code(rawValue: 122)
    /// 123: CHECK found no reservation or a different one.
    public static let ipamCheckFailed = CNIError.Code(rawValue: 123)
}

/// Runs a store operation, wrapping a `SystemError` as ``IPAMError/store(_:)``.
@discardableResult
func storeOperation<Result>(_ body: () throws(SystemError) -> Result) throws(IPAMError) -> Result {
    do { return try body() } catch { throw .store(error) }
}
