#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol
import CNITestSupport
import IPAM
import LinuxSupport

/// The bytes of `path`, or `nil` when it does not exist.
func fileBytes(_ path: String) -> [UInt8]? {
    let slash = path.lastIndex(of: "/")!
    guard let directory = try? DirectoryHandle(path: String(path[..<slash])) else { return nil }
    return (try? directory.readFile(String(path[path.index(after: slash)...]), limit: 1 << 16)) ?? nil
}

func fileText(_ path: String) -> String? { fileBytes(path).map { String(decoding: $0, as: UTF8.self) } }

/// Permission bits of `path` (not following symlinks), or `nil`.
func mode(_ path: String) -> mode_t? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o7777
}

func exists(_ path: String) -> Bool { mode(path) != nil }

/// The inode number of `path`, or 0 when it does not exist.
func inodeNumber(_ path: String) -> UInt64 {
    var info = stat()
    return lstat(path, &info) == 0 ? UInt64(info.st_ino) : 0
}

/// Names in a directory, sorted.
func names(_ path: String) -> [String] {
    ((try? DirectoryHandle(path: path).entries()) ?? []).map(\.name).sorted()
}

/// Writes a file the way another tool would (no checks).
func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
    let slash = path.lastIndex(of: "/")!
    let directory = try DirectoryHandle(path: String(path[..<slash]))
    let name = String(path[path.index(after: slash)...])
    try directory.removeFile(name)
    try directory.createFile(name, contents: Array(text.utf8), mode: mode)
}

/// Copies the regular files of `source` (and its subdirectories) into `destination`: what a
/// crash at this instant would leave on disk.
func copyTree(_ source: String, to destination: String) throws {
    mkdir(destination, 0o700)
    let directory = try DirectoryHandle(path: source)
    let target = try DirectoryHandle(path: destination)
    for entry in try directory.entries() {
        if entry.kind == .directory {
            try copyTree(source + "/" + entry.name, to: destination + "/" + entry.name)
        } else if let bytes = try directory.readFile(entry.name, limit: 1 << 16) {
            try target.createFile(entry.name, contents: bytes, mode: 0o600)
        }
    }
}

/// A host-local style configuration on `dataDir` for network `name`.
func hostLocal(_ dataDir: String, subnet: String = "10.22.0.0/24", name: String = "testnet", extraRanges: String = "")
    throws -> HostLocalIPAM
{
    let ipam = #"{"type":"host-local","dataDir":"\#(dataDir)","ranges":[[{"subnet":"\#(subnet)"}]\#(extraRanges)]}"#
    return HostLocalIPAM(configuration: try IPAMConfiguration(request: makeRequest(networkJSON(ipam: ipam, name: name))))
}

/// Runs `body(index)` on `count` new threads at once and waits for all of them.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Job: @unchecked Sendable {
        let index: Int
        let body: @Sendable (Int) -> Void
        init(_ index: Int, _ body: @escaping @Sendable (Int) -> Void) { self.index = index; self.body = body }
    }
    var threads: [pthread_t] = []
    for index in 0..<count {
        var thread = pthread_t()
        let job = Unmanaged.passRetained(Job(index, body)).toOpaque()
        pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            job.body(job.index)
            return nil
        }, job)
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
}
