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
    static func readStandardInput(limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, wanted) }
            if count > 0 {
                bytes.append(contentsOf: chunk[..<count])
            } else if count == 0 || errno == EBADF {
                return bytes
            } else if errno != EINTR {
                throw ReadError(errno: errno)
            }
        }
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
