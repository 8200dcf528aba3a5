#if canImport(Glibc)
import Glibc

/// The policy of a built-in chain of legacy iptables (x_tables, not nftables), read the way
/// `iptables-legacy -S` reads it: `getsockopt(IPT_SO_GET_INFO)` for the table's layout, then
/// `IPT_SO_GET_ENTRIES` for its rules; a built-in chain's policy is the standard target of the
/// entry at the chain's underflow offset. nftables cannot see these tables, so `doctor` needs
/// this to tell a Docker `-P FORWARD DROP` made with iptables-legacy.
public enum LegacyIptables {
    public enum Policy: Equatable, Sendable {
        case accept, drop
        /// Any other verdict number of the standard target.
        case other(Int32)
    }

    /// `IPT_SO_GET_INFO` and `IPT_SO_GET_ENTRIES` (`IPT_BASE_CTL` 64 and 65), on `SOL_IP`.
    static let getInfo: Int32 = 64
    static let getEntries: Int32 = 65
    /// `struct ipt_getinfo`: name[32], valid_hooks, hook_entry[5], underflow[5], num_entries, size.
    static let infoSize = 84
    /// `struct ipt_get_entries` up to its entry table (name[32], size, padding to 8).
    static let entriesHeaderSize = 40
    /// `struct ipt_entry`'s `target_offset` (after the 84-byte `ipt_ip` and `nfcache`).
    static let targetOffsetField = 88
    /// `struct xt_entry_target` header (size, name[29], revision) before the verdict.
    static let targetHeaderSize = 32

    /// The policy of the IPv4 `table`'s built-in chain on `hook` (`NF_INET_FORWARD` is 2).
    ///
    /// Only call it for a table listed in `/proc/net/ip_tables_names`: asking for another one
    /// makes the kernel load its module and create it. Needs `CAP_NET_RAW` (a raw socket).
    /// - Throws: `SystemError` when the socket or the reads fail.
    public static func policy(table: String, hook: Int) throws(SystemError) -> Policy {
        let fd = socket(AF_INET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(IPPROTO_RAW))
        if fd < 0 { throw SystemError.current("socket(AF_INET, SOCK_RAW)") }
        defer { close(fd) }
        var info = named(table, size: infoSize)
        try read(fd, getInfo, into: &info, "IPT_SO_GET_INFO \(table)")
        let underflow = Int(word(info, at: 56 + 4 * hook))
        let size = Int(word(info, at: 80))
        var entries = named(table, size: entriesHeaderSize + size)
        withUnsafeBytes(of: UInt32(size)) { entries.replaceSubrange(32..<36, with: $0) }
        try read(fd, getEntries, into: &entries, "IPT_SO_GET_ENTRIES \(table)")
        let entry = entriesHeaderSize + underflow
        guard entry + targetOffsetField + 2 <= entries.count else { throw outOfRange(table) }
        let targetOffset = entries[(entry + targetOffsetField)...].withUnsafeBytes { Int($0.loadUnaligned(as: UInt16.self)) }
        let verdictAt = entry + targetOffset + targetHeaderSize
        guard verdictAt + 4 <= entries.count else { throw outOfRange(table) }
        // The standard target stores a verdict v as -v - 1: -1 is NF_DROP (0), -2 NF_ACCEPT (1).
        switch Int32(bitPattern: word(entries, at: verdictAt)) {
        case -1: return .drop
        case -2: return .accept
        case let verdict: return .other(verdict)
        }
    }

    private static func outOfRange(_ table: String) -> SystemError {
        SystemError("IPT_SO_GET_ENTRIES \(table): policy entry out of range", errno: EINVAL)
    }

    private static func named(_ table: String, size: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        for (index, byte) in table.utf8.prefix(31).enumerated() { bytes[index] = byte }
        return bytes
    }

    private static func read(_ fd: Int32, _ option: Int32, into buffer: inout [UInt8], _ operation: String) throws(SystemError) {
        var length = socklen_t(buffer.count)
        let result = buffer.withUnsafeMutableBytes { getsockopt(fd, Int32(IPPROTO_IP), option, $0.baseAddress, &length) }
        if result < 0 { throw SystemError.current(operation) }
    }

    /// A host-order 32-bit field.
    private static func word(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }
}
#endif
