/// 64-bit FNV-1a over UTF-8 bytes: the one hash behind every name nsbridge derives (host veth
/// names, nftables owner tags, set IDs). Small, dependency-free and stable across processes and
/// versions, which derived names need; it is not a cryptographic hash and is not used as one.
public enum StableHash {
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// `value` as 16 lower-case hex digits, most significant first.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
