import LinuxSupport

#if canImport(Glibc)
import Glibc
#endif

/// Appends lines to the log file and rotates it: when it has reached `maximumBytes`, it is
/// renamed to `<path>.1` (replacing the previous old file) and a new one is started.
///
/// Every line is one `write(2)` on an `O_APPEND` descriptor, which the kernel applies whole at
/// the end of the file, so concurrent plugin processes never interleave. Rotation happens under
/// an exclusive `flock` on the file being rotated; a process that waited re-checks that the path
/// still names that file, so two processes never rotate twice. A line written through a
/// descriptor opened just before a rotation lands at the end of `<path>.1`: moved, not lost.
struct LogFile {
    let path: String
    let maximumBytes: Int

    /// - Returns: `false` when the line could not be written (the caller tells stderr).
    func append(_ line: String) -> Bool {
        guard var descriptor = openCurrent() else { return false }
        if size(of: descriptor) >= maximumBytes, let fresh = rotate(descriptor) {
            close(descriptor)
            descriptor = fresh
        }
        defer { close(descriptor) }
        var line = line
        return line.withUTF8 { bytes in
            var written = -1
            repeat { written = write(descriptor, bytes.baseAddress, bytes.count) } while written < 0 && errno == EINTR
            return written == bytes.count
        }
    }

    private func openCurrent() -> Int32? {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        return descriptor >= 0 ? descriptor : nil
    }

    /// Renames the file unless someone else just did; returns a descriptor of the new file.
    private func rotate(_ descriptor: Int32) -> Int32? {
        // Whoever rotates holds this lock on the file that the path named when they opened it;
        // only the holder that still finds the path naming its file renames it.
        guard let lock = try? FileLock(path: path), (try? lock.lock()) != nil else { return nil }
        defer { lock.unlock() }
        var onDisk = stat()
        var held = stat()
        guard stat(path, &onDisk) == 0, fstat(descriptor, &held) == 0 else { return nil }
        if onDisk.st_ino == held.st_ino && onDisk.st_dev == held.st_dev && Int(held.st_size) >= maximumBytes {
            guard rename(path, path + ".1") == 0 else { return nil }
        }
        return openCurrent()
    }

    private func size(of descriptor: Int32) -> Int {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
    }
}
