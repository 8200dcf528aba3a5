import CNIProtocol

/// Names the plugin derives, so that DEL, CHECK and GC can find what ADD made without entering
/// the container's namespace and without any state file.
public enum BridgeNaming {
    /// The host end of an attachment's veth pair: `veth` and 11 hex digits of a hash of
    /// (container ID, ifname) — 15 bytes, the kernel's limit. The `veth` prefix keeps
    /// NetworkManager away, as the reference's random names do.
    public static func hostVethName(for attachment: Attachment) -> String {
        // The key spelling differs from the owner tags' (`<ifname>:<containerID>`); changing
        // either would rename what existing attachments own, so both stay as they are.
        "veth" + StableHash.hex(StableHash.fnv1a64("\(attachment.containerID)\u{0}\(attachment.ifName)")).prefix(11)
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

    /// The owner recorded on the host veth (its alias): the hashed name can collide, the owner
    /// cannot, short of two container IDs that agree in their first 240-odd bytes.
    public static func hostVethOwner(for attachment: Attachment) -> String {
        String(decoding: "\(attachment.containerID)@\(attachment.ifName)".utf8.prefix(maximumAliasLength), as: UTF8.self)
    }

    /// The kernel's limit for a link alias (`IFALIASZ` less the terminating NUL).
    static let maximumAliasLength = 255

    /// Checks a kernel link name by the same rule as `CNI_IFNAME` (1–15 bytes, not `.`/`..`, no
    /// `/`, `:` or whitespace); code 7 naming the key otherwise.
    public static func validateLinkName(_ name: String, key: String) throws(CNIError) {
        if let problem = PluginEnvironment.interfaceNameProblem(name) {
            throw CNIError(.invalidNetworkConfig, "\"\(key)\" \"\(name)\" is not a valid interface name: it \(problem)")
        }
    }
}
