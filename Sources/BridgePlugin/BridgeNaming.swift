import CNIProtocol

/// Names the plugin derives, so that DEL, CHECK and GC can find what ADD made without entering
/// the container's namespace and without any state file.
public enum BridgeNaming {
    /// The host end of an attachment's veth pair: `veth` and 11 hex digits of a hash of
    /// (container ID, ifname) — 15 bytes, the kernel's limit. The `veth` prefix keeps
    /// NetworkManager away, as the reference's random names do.
    public static func hostVethName(for attachment: Attachment) -> String {
        let digest = StableHash.fnv1a64("\(attachment.containerID)\u{0}\(attachment.ifName)")
        let hex = String(digest, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - hex.count)) + hex
        return "veth" + padded.prefix(11)
    }

    /// The MAC a new bridge gets: the same for a (host, bridge name) every time, as systemd's
    /// `MACAddressPolicy=persistent` derives MACs, so a bridge that is deleted and re-created
    /// keeps its MAC and the results (and CHECK) of containers attached before stay valid. The
    /// machine ID is part of the hash so that same-named bridges of different hosts differ.
    public static func bridgeMAC(named name: String, machineID: String) -> MACAddress {
        let digest = StableHash.fnv1a64("nsbridge-bridge\u{0}\(machineID)\u{0}\(name)")
        var bytes = (0..<6).map { UInt8(truncatingIfNeeded: digest >> (8 * UInt64($0))) }
        bytes[0] = (bytes[0] & 0xfe) | 0x02  // unicast, locally administered
        return MACAddress(bytes: bytes) ?? .randomLocallyAdministered()
    }

    /// Checks a kernel link name as the kernel does: 1–15 bytes, not `.`/`..`, no `/`, `:` or
    /// whitespace.
    public static func validateLinkName(_ name: String, key: String) throws(CNIError) {
        let invalid = name.isEmpty || name.utf8.count > 15 || name == "." || name == ".."
            || name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
        if invalid {
            throw CNIError(.invalidNetworkConfig, "\"\(key)\" \"\(name)\" is not a valid interface name (1–15 bytes, no '/', ':' or spaces)")
        }
    }
}

/// 64-bit FNV-1a: small, dependency-free and stable across processes and versions, which is
/// what derived names need. It is not a cryptographic hash and is not used as one.
enum StableHash {
    static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
