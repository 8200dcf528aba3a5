#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock on a file, taken with `flock(2)`.
///
/// `flock` locks belong to the open file description, so two `FileLock`s opened separately on
/// one path exclude each other even inside one process (on different threads), and the lock is
/// dropped by the kernel when the holder dies. That last property is why a crashed plugin never
/// leaves a network locked.
///
/// The lock file is created when missing, mode 0600 (`O_CREAT|O_RDONLY`, like the reference
/// `host-local`, which opens the same `lock` file, so both tools exclude each other).
public final class FileLock {
    let descriptor: Int32
    /// Where the lock lives, for error messages.
    public let path: String

    /// Opens (creating if needed) `name` inside `directory`.
    /// - Throws: `SystemError` when the file cannot be opened or created.
    public init(named name: String, in directory: DirectoryHandle) throws(SystemError) {
        path = directory.path + "/" + name
        descriptor = try valueOrErrno("open \(directory.path)/\(name)") {
            openat(directory.descriptor, name, O_RDONLY | O_CREAT | O_CLOEXEC, 0o600)
        }
    }

    /// Opens (creating if needed) the lock file at `path`.
    /// - Throws: `SystemError` when the file cannot be opened or created.
    public init(path: String) throws(SystemError) {
        self.path = path
        descriptor = try valueOrErrno("open \(path)") { open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0o600) }
    }

    deinit { close(descriptor) }

    /// Blocks until the exclusive lock is held. The corresponding call is `flock(fd, LOCK_EX)`.
    /// - Throws: `SystemError` if `flock` fails for a reason other than EINTR.
    public func lock() throws(SystemError) {
        try valueOrErrno("flock \(path)") { flock(descriptor, LOCK_EX) }
    }

    /// Takes the lock without waiting; returns `false` if another holder has it.
    /// - Throws: `SystemError` for any failure other than "would block".
    public func tryLock() throws(SystemError) -> Bool {
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw SystemError.current("flock \(path)")
        }
        return true
    }

    /// Releases the lock. Errors are ignored: closing the descriptor would release it anyway.
    public func unlock() {
        _ = flock(descriptor, LOCK_UN)
    }

    /// Runs `body` with the lock held, releasing it however `body` ends.
    /// - Throws: the lock's `SystemError`, or whatever `body` throws.
    public func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        try lock()
        defer { unlock() }
        return try body()
    }
}
