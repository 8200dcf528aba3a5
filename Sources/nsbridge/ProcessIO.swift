#if canImport(Glibc)
import Glibc
#endif

/// The process's environment and standard streams, read and written with plain libc calls
/// (no Foundation: it would add tens of megabytes and milliseconds to every exec).
enum ProcessIO {
    /// A failed read of stdin, with its errno.
    struct ReadError: Error, CustomStringConvertible {
        var errno: Int32
        var description: String { "read(stdin): \(String(cString: strerror(errno)))" }
    }

    /// `environ` as a dictionary; entries without `=` are skipped, and a later duplicate wins.
    static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }

    /// Stdin, up to `limit` bytes. A closed or missing stdin reads as empty.
    ///
    /// Reads go straight into the array's storage, never through a chunk that is then appended,
    /// and the storage grows at most once: from a small first buffer, which holds every real
    /// configuration, to `limit` bytes. Untouched pages of that allocation cost no memory, so a
    /// large input costs its own size, where doubling an array would hold up to three times it.
    static func readStandardInput(limit: Int) throws -> [UInt8] {
        var bytes = try readAvailable(into: [], capacity: min(limit, 65_536))
        if bytes.count == min(limit, 65_536), bytes.count < limit {
            bytes = try readAvailable(into: bytes, capacity: limit)
        }
        return bytes
    }

    /// `prefix` followed by what stdin yields until end of file or `capacity` bytes in all.
    private static func readAvailable(into prefix: [UInt8], capacity: Int) throws -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            count = prefix.count
            _ = buffer.initialize(fromContentsOf: prefix)
            while count < capacity {
                let result = read(STDIN_FILENO, buffer.baseAddress! + count, capacity - count)
                if result > 0 {
                    count += result
                } else if result == 0 || errno == EBADF {
                    return
                } else if errno != EINTR {
                    failure = errno
                    return
                }
            }
        }
        if failure != 0 { throw ReadError(errno: failure) }
        return bytes
    }

    /// Writes all of `text` to `descriptor`, retrying partial writes and EINTR. Errors are
    /// dropped: there is nowhere left to report a failing stdout or stderr.
    static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
