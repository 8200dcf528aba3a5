#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol
import LinuxSupport

extension ResolvConf {
    /// Reads and parses the file at `path`.
    /// - Throws: ``IPAMError/invalidConfiguration(_:)`` naming the file when it cannot be read.
    public static func load(_ path: String) throws(IPAMError) -> DNS {
        let slash = path.lastIndex(of: "/")
        let directoryPath = slash.map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        do {
            let directory = try DirectoryHandle(path: directoryPath)
            guard let bytes = try directory.readFile(name, limit: 1 << 20) else {
                throw SystemError("open \(path)", errno: ENOENT)
            }
            return parse(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw .invalidConfiguration("resolvConf \(path) cannot be read: \(error)")
        }
    }
}
