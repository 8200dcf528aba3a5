#if canImport(Glibc)
import Glibc
#endif
import LinuxSupport

/// A fresh directory under `/tmp`, removed with everything in it when the value goes away.
public final class TemporaryDirectory {
    public let path: String

    /// Creates `<parent>/<prefix>.XXXXXX`.
    public init(prefix: String = "nsbridge-test", in parent: String = "/tmp") throws {
        var template = Array("\(parent)/\(prefix).XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            mkdtemp(buffer.baseAddress!).map { String(cString: $0) }
        }
        guard let created else { throw SystemError.current("mkdtemp \(parent)/\(prefix).XXXXXX") }
        path = created
    }

    deinit { Self.removeTree(path) }

    /// `path/name`.
    public func appending(_ name: String) -> String { path + "/" + name }

    /// Deletes `path` and everything below it, ignoring errors (best-effort test cleanup).
    public static func removeTree(_ path: String) {
        if let directory = try? DirectoryHandle(path: path), let entries = try? directory.entries() {
            for entry in entries {
                if entry.kind == .directory { removeTree(path + "/" + entry.name) } else { unlink(path + "/" + entry.name) }
            }
        }
        rmdir(path)
    }
}

/// Runs `body` with a fresh temporary directory that is removed afterwards.
public func withTemporaryDirectory<Result>(prefix: String = "nsbridge-test", _ body: (TemporaryDirectory) throws -> Result) throws -> Result {
    let directory = try TemporaryDirectory(prefix: prefix)
    return try body(directory)
}
