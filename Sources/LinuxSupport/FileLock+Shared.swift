#if canImport(Glibc)
import Glibc
#endif

extension FileLock {
    /// Blocks until a shared lock is held: any number of shared holders exclude an exclusive
    /// one. ``tryLock()`` on the same lock then converts it to exclusive if no one else holds it.
    /// The corresponding call is `flock(fd, LOCK_SH)`.
    /// - Throws: `SystemError` if `flock` fails for a reason other than EINTR.
    public func lockShared() throws(SystemError) {
        try valueOrErrno("flock shared \(path)") { flock(descriptor, LOCK_SH) }
    }

    /// Opens the lock file at `path`, creating its directory (mode 0700) when missing.
    public static func creatingDirectory(path: String) throws(SystemError) -> FileLock {
        do {
            return try FileLock(path: path)
        } catch where error.errno == ENOENT {
            let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            _ = try DirectoryHandle(path: directory, creatingWithMode: 0o700)
            return try FileLock(path: path)
        }
    }
}
