#if canImport(Glibc)
import Glibc
#endif

extension DirectoryHandle {
    /// When `name` was last modified, in seconds since the epoch, without following symlinks;
    /// `nil` if it does not exist.
    /// - Throws: `SystemError` for failures other than ENOENT.
    public func modificationTime(of name: String) throws(SystemError) -> Int64? {
        var info = stat()
        if fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) != 0 {
            if errno == ENOENT { return nil }
            throw SystemError.current("stat \(path)/\(name)")
        }
        return Int64(info.st_mtim.tv_sec)
    }
}

/// The machine's clock, as the operator tools need it.
public enum SystemClock {
    /// Seconds since the epoch.
    public static func now() -> Int64 { Int64(time(nil)) }

    /// When the machine booted, in seconds since the epoch (`btime` in `/proc/stat`); `nil` if
    /// it cannot be read.
    public static func bootTime(procStat path: String = "/proc/stat") -> Int64? {
        guard let file = fopen(path, "re") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            if text.hasPrefix("btime ") {
                return Int64(text.dropFirst(6).trimmingCharacters(in: " \n"))
            }
        }
        return nil
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return text
    }
}
