#if canImport(Glibc)
import Glibc

/// Reads and writes kernel parameters as files under a root directory (normally `/proc/sys`).
///
/// Keys use the slash form of sysctl(8) (`net/ipv4/ip_forward`), which stays unambiguous for
/// interface names containing dots (`net/ipv4/conf/eth0.100/arp_notify`).
///
/// `/proc/sys/net` shows the network namespace *of the thread that opens the file*. To change a
/// container-side setting, call `set` inside `NetworkNamespace.withEntered(_:)`.
public struct Sysctl: Sendable {
    /// The directory keys are resolved against; a temporary directory in unit tests.
    public var root: String

    public init(root: String = "/proc/sys") {
        self.root = root
    }

    /// The file that holds `key`.
    public func path(of key: String) -> String {
        root.hasSuffix("/") ? root + key : root + "/" + key
    }

    /// The current value with surrounding whitespace removed. Equivalent to `sysctl -n key`.
    public func get(_ key: String) throws(SystemError) -> String {
        let path = path(of: key)
        let fd = try valueOrErrno("open \(path)") { Glibc.open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while true {
            let count = try valueOrErrno("read \(path)") {
                chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return Self.trimmed(String(decoding: bytes, as: UTF8.self))
    }

    /// Writes `value`. Equivalent to `sysctl -w key=value`.
    public func set(_ key: String, _ value: String) throws(SystemError) {
        let path = path(of: key)
        let fd = try valueOrErrno("open \(path)") { Glibc.open(path, O_WRONLY | O_TRUNC | O_CLOEXEC) }
        defer { close(fd) }
        let bytes = Array((value + "\n").utf8)
        let written = try valueOrErrno("write \(key)=\(value)") {
            bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        if written != bytes.count {
            throw SystemError("short write \(key)=\(value)", errno: EIO)
        }
    }

    private static func trimmed(_ text: String) -> String {
        var slice = Substring(text)
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        return String(slice)
    }
}
#endif
