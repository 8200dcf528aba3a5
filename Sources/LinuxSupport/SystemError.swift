#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, on what, and the errno it returned.
///
/// The errno stays a number so callers can branch on it (`error.errno == ENOENT`) instead of
/// matching text.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was attempted, e.g. `open /var/run/netns/x`.
    public var operation: String
    public var errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    /// Captures the calling thread's current `errno`.
    public static func current(_ operation: String) -> SystemError {
        SystemError(operation, errno: Glibc.errno)
    }

    public var description: String { "\(operation): \(Self.message(for: errno))" }

    /// `strerror` text for an errno value.
    public static func message(for errno: Int32) -> String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }
}

/// Runs a libc call that returns -1 and sets errno on failure, retrying on EINTR.
@discardableResult
public func valueOrErrno<T: FixedWidthInteger>(_ operation: @autoclosure () -> String, _ call: () -> T) throws(SystemError) -> T {
    while true {
        let result = call()
        if result != -1 { return result }
        if Glibc.errno == EINTR { continue }
        throw SystemError.current(operation())
    }
}
