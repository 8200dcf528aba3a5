#if canImport(Glibc)
import Glibc
import CSystemShims
#endif

/// An open directory, and file operations relative to it (`openat`, `linkat`, `unlinkat`, …).
///
/// Working through a directory descriptor instead of joined path strings means a name is always
/// resolved inside this directory: callers pass single file names, and the handle refuses names
/// containing `/` or equal to `.`/`..`, so no name can reach outside it.
public final class DirectoryHandle {
    /// The open directory descriptor.
    public let descriptor: Int32
    /// The path it was opened from, used in error messages only.
    public let path: String

    /// What kind of file a directory entry is, from `d_type` (or `fstatat` when the file system
    /// does not report it).
    public enum EntryKind: Sendable, Equatable {
        case regularFile, directory, other
    }

    /// Opens the directory at `path`. With `creatingWithMode`, creates it and any missing parent
    /// first (like `mkdir -p`); directories that already exist keep their mode.
    /// - Throws: `SystemError` naming the path that could not be created or opened.
    public init(path: String, creatingWithMode mode: mode_t? = nil) throws(SystemError) {
        self.path = path
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC
        var opened = open(path, flags)
        if opened < 0, errno == ENOENT, let mode {
            try Self.makeDirectories(path, mode: mode)
            opened = open(path, flags)
        }
        if opened < 0 { throw SystemError.current("open directory \(path)") }
        descriptor = opened
    }

    /// Opens the subdirectory `name`, creating it with `mode` when asked and missing.
    /// - Throws: `SystemError`; also EINVAL for a name that is not a single path component.
    public init(subdirectory name: String, of parent: DirectoryHandle, creatingWithMode mode: mode_t? = nil)
        throws(SystemError)
    {
        try Self.requireSingleComponent(name, in: parent.path)
        path = parent.path + "/" + name
        if let mode, mkdirat(parent.descriptor, name, mode) != 0, errno != EEXIST {
            throw SystemError.current("mkdir \(parent.path)/\(name)")
        }
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW
        descriptor = try valueOrErrno("open directory \(parent.path)/\(name)") {
            openat(parent.descriptor, name, flags)
        }
    }

    deinit { close(descriptor) }

    /// Throws EINVAL unless `name` is one path component other than `.` and `..`.
    public static func requireSingleComponent(_ name: String, in directory: String) throws(SystemError) {
        if name.isEmpty || name == "." || name == ".." || name.utf8.contains(UInt8(ascii: "/"))
            || name.utf8.contains(0)
        {
            throw SystemError("use \"\(name)\" as a file name in \(directory)", errno: EINVAL)
        }
    }

    private static func makeDirectories(_ path: String, mode: mode_t) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0, errno != EEXIST {
                throw SystemError.current("mkdir \(prefix)")
            }
        }
    }

    private func name(_ name: String) throws(SystemError) -> String {
        try Self.requireSingleComponent(name, in: path)
        return name
    }

    /// Creates `name` with `contents`, failing with EEXIST if it exists (`O_CREAT|O_EXCL`).
    /// On a failed write the half-written file is removed.
    /// - Throws: `SystemError`; `errno == EEXIST` means the name was taken.
    public func createFile(_ name: String, contents: [UInt8], mode: mode_t) throws(SystemError) {
        let file = try self.name(name)
        let fd = try valueOrErrno("create \(path)/\(file)") {
            openat(descriptor, file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        }
        defer { close(fd) }
        do {
            try Self.writeAll(contents, to: fd, describing: "\(path)/\(file)")
        } catch {
            unlinkat(descriptor, file, 0)
            throw error
        }
    }

    /// Writes `contents` to `name` so that readers see either the old file or the whole new one:
    /// the bytes go to `temporaryName` in this directory first, which then takes `name`'s place.
    ///
    /// The two names are exchanged (`RENAME_EXCHANGE`) and the old file, now under the temporary
    /// name, unlinked: a rename over an existing file makes ext4 start writing the new file's
    /// data back at once (`auto_da_alloc`), 0.1 ms quiet and up to 20 ms when the disk is busy;
    /// the exchange does not. Where there is nothing to exchange with yet, or the file system
    /// cannot exchange, the temporary file is renamed into place.
    /// - Throws: `SystemError` from any step; the temporary file is removed on failure.
    public func replaceFile(_ name: String, contents: [UInt8], mode: mode_t, temporaryName: String) throws(SystemError) {
        let file = try self.name(name)
        let temporary = try self.name(temporaryName)
        _ = unlinkat(descriptor, temporary, 0)
        try createFile(temporary, contents: contents, mode: mode)
        if csys_exchange_names(descriptor, temporary, descriptor, file) == 0 {
            _ = unlinkat(descriptor, temporary, 0)
            return
        }
        if renameat(descriptor, temporary, descriptor, file) != 0 {
            let error = SystemError.current("rename \(path)/\(temporary) to \(file)")
            unlinkat(descriptor, temporary, 0)
            throw error
        }
    }

    /// Writes `contents` over `name` in place, creating it with `mode` when missing: for small
    /// files that are only hints, where a new inode per write (``replaceFile``) costs more than a
    /// torn read could. The file is never emptied: when the new contents are shorter, it is first
    /// cut to their length, so a kill between the two steps leaves a prefix of the old contents;
    /// otherwise one `pwrite` replaces every old byte, and a write this small is never cut short
    /// by a signal.
    /// - Throws: `SystemError` from any step.
    public func overwriteFile(_ name: String, contents: [UInt8], mode: mode_t) throws(SystemError) {
        let file = try self.name(name)
        let fd = try valueOrErrno("open \(path)/\(file)") {
            openat(descriptor, file, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode)
        }
        defer { close(fd) }
        var info = stat()
        try valueOrErrno("stat \(path)/\(file)") { fstat(fd, &info) }
        if Int(info.st_size) > contents.count {
            try valueOrErrno("truncate \(path)/\(file)") { ftruncate(fd, off_t(contents.count)) }
        }
        let written = contents.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        if written < 0 { throw SystemError.current("write \(path)/\(file)") }
        if written != contents.count { throw SystemError("write \(path)/\(file)", errno: EIO) }
    }

    /// Reads at most `limit` bytes of `name`; `nil` when it does not exist.
    /// - Throws: `SystemError` for failures other than ENOENT.
    public func readFile(_ name: String, limit: Int = 4096) throws(SystemError) -> [UInt8]? {
        let file = try self.name(name)
        let fd = openat(descriptor, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SystemError.current("open \(path)/\(file)")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var filled = 0
        while filled < limit {
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + filled, limit - filled)
            }
            if count < 0, errno == EINTR { continue }
            if count < 0 { throw SystemError.current("read \(path)/\(file)") }
            if count == 0 { break }
            filled += count
        }
        return Array(bytes[..<filled])
    }

    /// Makes `newName` a second name of the file `existing` (`linkat`). Atomic: fails with EEXIST
    /// when `newName` exists, so it can claim a name the way `O_EXCL` does.
    /// - Throws: `SystemError`; `errno == EEXIST` means the name was taken.
    public func link(_ existing: String, in source: DirectoryHandle, as newName: String) throws(SystemError) {
        let from = try source.name(existing)
        let to = try self.name(newName)
        try valueOrErrno("link \(source.path)/\(from) to \(path)/\(to)") {
            linkat(source.descriptor, from, descriptor, to, 0)
        }
    }

    /// Removes the file `name`. Returns `false` if it did not exist.
    /// - Throws: `SystemError` for failures other than ENOENT.
    @discardableResult
    public func removeFile(_ name: String) throws(SystemError) -> Bool {
        let file = try self.name(name)
        if unlinkat(descriptor, file, 0) == 0 { return true }
        if errno == ENOENT { return false }
        throw SystemError.current("unlink \(path)/\(file)")
    }

    /// The size and kind of `name` without following symlinks; `nil` if it does not exist.
    /// - Throws: `SystemError` for failures other than ENOENT.
    public func status(of name: String) throws(SystemError) -> (kind: EntryKind, size: Int)? {
        let file = try self.name(name)
        var info = stat()
        if fstatat(descriptor, file, &info, AT_SYMLINK_NOFOLLOW) != 0 {
            if errno == ENOENT { return nil }
            throw SystemError.current("stat \(path)/\(file)")
        }
        let type = info.st_mode & S_IFMT
        let kind: EntryKind = type == S_IFREG ? .regularFile : type == S_IFDIR ? .directory : .other
        return (kind, Int(info.st_size))
    }

    /// The names in this directory (without `.` and `..`) and their kinds.
    /// - Throws: `SystemError` if the directory cannot be read.
    public func entries() throws(SystemError) -> [(name: String, kind: EntryKind)] {
        let copy = try valueOrErrno("dup \(path)") { dup(descriptor) }
        guard let stream = fdopendir(copy) else {
            let error = SystemError.current("opendir \(path)")
            close(copy)
            throw error
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var result: [(name: String, kind: EntryKind)] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            result.append((name, kind(of: name, type: entry.pointee.d_type)))
        }
        return result
    }

    private func kind(of name: String, type: UInt8) -> EntryKind {
        switch Int32(type) {
        case Int32(DT_REG): return .regularFile
        case Int32(DT_DIR): return .directory
        case Int32(DT_UNKNOWN): return (try? status(of: name))??.kind ?? .other
        default: return .other
        }
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, describing file: String) throws(SystemError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + written, bytes.count - written)
            }
            if count < 0, errno == EINTR { continue }
            if count < 0 { throw SystemError.current("write \(file)") }
            written += count
        }
    }
}
