#if canImport(Glibc)
import CSystemShims
import Glibc
import LinuxSupport

/// A fresh, empty network namespace for one test, published like `ip netns add` does.
///
/// The namespace is created by `unshare(CLONE_NEWNET)` on a scratch thread (no test-pool thread
/// ever changes namespace) and bind-mounted on `/run/netns/<prefix>-<random>`, so `ip -n <name>`,
/// `nsenter --net=<path>` and a plugin given `CNI_NETNS=<path>` all reach it. If bind-mounting is
/// not permitted, `path` falls back to the `/proc/<pid>/fd/<fd>` alias of the held descriptor.
///
/// `close()` (also run by `deinit`) unmounts and unlinks the file and drops the descriptor; the
/// kernel frees the namespace once nothing else references it. Use `withThrowawayNetworkNamespace`
/// so cleanup happens even when the test body throws.
public final class ThrowawayNetworkNamespace {
    public static let mountDirectory = "/run/netns"

    /// The name under `/run/netns` (for `ip -n`), or nil if the namespace could not be mounted.
    public let name: String?
    /// A path that opens this namespace: `/run/netns/<name>` or `/proc/<pid>/fd/<fd>`.
    public let path: String
    /// The open handle, for `addVethPair(peerNamespace:)` and `RouteNetlink(in:)`.
    public let namespace: NetworkNamespace
    private var isClosed = false

    /// Creates and publishes a new namespace.
    /// - Parameter prefix: the name prefix; tests list `leftovers(prefix:)` to detect leaks.
    public init(prefix: String = "cnitest") throws {
        namespace = try NetworkNamespace.create()
        let candidate = "\(prefix)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        if Self.publish(namespace, as: candidate) {
            name = candidate
            path = Self.mountDirectory + "/" + candidate
        } else {
            name = nil
            path = namespace.path
        }
    }

    deinit { close() }

    /// The inode identifying this namespace (compare with `NetworkNamespace.currentInode()`).
    public var inode: UInt64 { namespace.inode }

    /// Runs `body` on a dedicated thread inside this namespace and returns its result.
    public func run<T>(_ body: () throws -> T) throws -> T {
        try namespace.withEntered(body)
    }

    /// Unmounts and removes the published file. Safe to call more than once.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        guard name != nil else { return }
        _ = csys_detach_unmount(path)
        _ = unlink(path)
    }

    /// Names under `/run/netns` starting with `<prefix>-`: namespaces some test failed to remove.
    public static func leftovers(prefix: String = "cnitest") -> [String] {
        guard let directory = opendir(mountDirectory) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(prefix + "-") { names.append(name) }
        }
        return names
    }

    /// Bind-mounts the namespace's descriptor onto an empty file in /run/netns.
    private static func publish(_ namespace: NetworkNamespace, as name: String) -> Bool {
        if mkdir(mountDirectory, 0o755) != 0 && errno != EEXIST { return false }
        let target = mountDirectory + "/" + name
        let fd = open(target, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard fd >= 0 else { return false }
        Glibc.close(fd)
        let source = "/proc/self/fd/\(namespace.fileDescriptor)"
        if csys_bind_mount(source, target) != 0 {
            unlink(target)
            return false
        }
        return true
    }
}

/// Runs `body` with a throwaway namespace that is removed afterwards, even if `body` throws.
public func withThrowawayNetworkNamespace<T>(
    prefix: String = "cnitest", _ body: (ThrowawayNetworkNamespace) throws -> T
) throws -> T {
    let namespace = try ThrowawayNetworkNamespace(prefix: prefix)
    defer { namespace.close() }
    return try body(namespace)
}
#endif
