#if canImport(Glibc)
import CSystemShims
import Glibc

/// An open handle on a network namespace.
///
/// ## Threads and namespaces
/// `setns(2)` moves only the calling thread. Swift code may later run on any thread, so nsbridge
/// never changes the namespace of a thread it did not create: `withEntered(_:)` starts a fresh
/// pthread, moves *that* thread into the namespace, runs the body there, and lets the thread die.
/// The calling thread stays where it was. Prefer not entering at all: open a netlink socket inside
/// the namespace once (the socket keeps its namespace for life) and use it from the caller.
///
/// This type and `NamespaceThread` are the only code in nsbridge that calls `setns` or `unshare`.
public final class NetworkNamespace {
    /// The open descriptor; closed when the object is released.
    public let fileDescriptor: Int32
    /// The path this namespace was opened from (for messages and for `nsenter --net=`).
    public let path: String

    private init(fileDescriptor: Int32, path: String) {
        self.fileDescriptor = fileDescriptor
        self.path = path
    }

    deinit { close(fileDescriptor) }

    /// Opens the namespace file at `path` (e.g. `/var/run/netns/cni-1234` or `/proc/42/ns/net`).
    ///
    /// - Throws: `.notFound` if nothing is at `path`, `.notANamespace` if the file is not on nsfs
    ///   or procfs or is another kind of namespace (mount, PID...), `.system` for other errors
    ///   (e.g. EACCES).
    public static func open(path: String) throws(NamespaceError) -> NetworkNamespace {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .notFound(path) }
            throw .system(SystemError("open \(path)", errno: code))
        }
        let magic = csys_fstatfs_type(fd)
        if magic == -1 {
            let error = SystemError.current("fstatfs \(path)")
            close(fd)
            throw .system(error)
        }
        // NS_GET_NSTYPE tells a network namespace from a mount or PID one; kernels before 4.11
        // lack it (EINVAL/ENOTTY), and then the filesystem check alone has to do.
        let type = csys_namespace_type(fd)
        guard magic == csys_nsfs_magic() || magic == csys_proc_magic(), type == -1 || type == csys_clone_newnet() else {
            close(fd)
            throw .notANamespace(path)
        }
        return NetworkNamespace(fileDescriptor: fd, path: path)
    }

    /// The network namespace of the calling thread.
    public static func current() throws(NamespaceError) -> NetworkNamespace {
        try open(path: "/proc/thread-self/ns/net")
    }

    /// Creates a new, empty network namespace without moving the calling thread into it.
    ///
    /// A scratch thread calls `unshare(CLONE_NEWNET)`, opens its new namespace and exits. The
    /// namespace then lives as long as this object (or a bind mount of `path`). `path` is the
    /// `/proc/<pid>/fd/<fd>` alias of the descriptor, valid while this process holds it.
    public static func create() throws(NamespaceError) -> NetworkNamespace {
        var fd: Int32 = -1
        var openErrno: Int32 = 0
        try NamespaceThread.run(.unshareNetwork) {
            fd = Glibc.open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
            openErrno = fd < 0 ? errno : 0
        }
        guard fd >= 0 else { throw .system(SystemError("open new namespace", errno: openErrno)) }
        return NetworkNamespace(fileDescriptor: fd, path: "/proc/\(getpid())/fd/\(fd)")
    }

    /// The namespace's inode number; two handles refer to the same namespace iff their inodes
    /// (on nsfs) are equal. Use it to answer "which namespace am I in".
    public var inode: UInt64 {
        var info = stat()
        guard fstat(fileDescriptor, &info) == 0 else { return 0 }
        return UInt64(info.st_ino)
    }

    /// The inode of the calling thread's network namespace (see `inode`).
    public static func currentInode() -> UInt64 {
        var info = stat()
        guard stat("/proc/thread-self/ns/net", &info) == 0 else { return 0 }
        return UInt64(info.st_ino)
    }

    /// Runs `body` inside this namespace on a fresh, dedicated thread and returns its result.
    ///
    /// The calling thread blocks until the body finishes and never changes namespace itself. The
    /// body must be synchronous; anything it leaves on its thread dies with the thread. File
    /// descriptors (netlink sockets) opened in the body keep this namespace after it returns.
    ///
    /// - Throws: the body's error, or `NamespaceError.system` if the thread could not be started
    ///   or could not enter the namespace (the body then does not run).
    public func withEntered<T>(_ body: () throws -> T) throws -> T {
        var outcome: Result<T, any Error>?
        try withoutActuallyEscaping({ outcome = Result { try body() } }) { work throws(NamespaceError) in
            try NamespaceThread.run(.enterNetwork(fileDescriptor, path: path), work)
        }
        guard let outcome else { preconditionFailure("namespace thread finished without running the body") }
        return try outcome.get()
    }
}
#endif
