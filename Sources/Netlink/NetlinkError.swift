#if canImport(Glibc)
import CNIProtocol
import Glibc
import LinuxSupport

/// A failed netlink operation: what was asked, the errno the kernel (or the socket) returned, and
/// the kernel's extended-ACK explanation when it gave one.
///
/// The errno stays a number so callers branch on it (`error.isExists`, `error.errno == EBUSY`)
/// instead of matching text.
public struct NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request in kernel terms plus its subject, e.g. `RTM_NEWLINK veth eth0/veth1a2b3c4d`.
    public var operation: String
    /// A positive errno value (EEXIST, ENODEV, ...).
    public var errno: Int32
    /// The kernel's extended-ACK text (`NLMSGERR_ATTR_MSG`), e.g. "Unknown device type".
    public var kernelMessage: String?
    /// The sequence number of the failed request, when the failure came from the kernel.
    public var sequenceNumber: UInt32?

    public init(_ operation: String, errno: Int32, kernelMessage: String? = nil, sequenceNumber: UInt32? = nil) {
        self.operation = operation
        self.errno = errno
        self.kernelMessage = kernelMessage
        self.sequenceNumber = sequenceNumber
    }

    /// The object the request named does not exist: ENODEV (no such link), ENOENT (no such route
    /// or VLAN), ESRCH (no such route on older kernels) or EADDRNOTAVAIL (no such address).
    public var isNotFound: Bool {
        errno == ENODEV || errno == ENOENT || errno == ESRCH || errno == EADDRNOTAVAIL
    }

    /// The object already exists (EEXIST).
    public var isExists: Bool { errno == EEXIST }

    public var description: String {
        var text = "\(operation): \(SystemError.message(for: errno))"
        if let kernelMessage, !kernelMessage.isEmpty { text += " (kernel: \(kernelMessage))" }
        return text
    }

    /// The same error with a different operation text, used to name the clashing object.
    func describing(_ operation: String) -> NetlinkError {
        var copy = self
        copy.operation = operation
        return copy
    }

    /// A malformed or unexpected reply.
    static func protocolViolation(_ operation: String, _ reason: String) -> NetlinkError {
        NetlinkError("\(operation): \(reason)", errno: EPROTO)
    }
}
#endif
