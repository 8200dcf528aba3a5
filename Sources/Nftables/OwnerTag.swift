import CNIProtocol

/// How nsbridge marks what it owns: every rule carries a network comment and every set element
/// an attachment comment, shaped like the reference plugin's
/// `<network hash>-<attachment hash>, net: <network>, if: <ifname>, id: <containerID>`.
///
/// The hashes are 16 hex digits of FNV-1a 64 (`StableHash`), so that no crypto library is needed; they only have to be stable and make collisions unlikely among the
/// networks and attachments of one host, not resist an adversary (anyone who can write nftables
/// can delete our rules anyway). The readable tail is for humans; the one thing parsed after the
/// prefix is the MAC that `AddressSpoofCheck` writes right behind it in its port elements.
public enum OwnerTag {
    /// 16 hex digits identifying a network (hash of its name).
    public static func networkHash(_ network: String) -> String { StableHash.hex(StableHash.fnv1a64(network)) }

    /// 16 hex digits identifying an attachment (hash of `<ifname>:<containerID>`).
    public static func attachmentHash(_ attachment: Attachment) -> String {
        StableHash.hex(StableHash.fnv1a64("\(attachment.ifName):\(attachment.containerID)"))
    }

    /// `<network hash>-<attachment hash>`: the prefix by which DEL, CHECK and GC recognise an
    /// element as one attachment's.
    public static func owner(network: String, attachment: Attachment) -> String {
        networkHash(network) + "-" + attachmentHash(attachment)
    }

    /// The comment of a set element owned by `attachment` on `network`.
    public static func elementComment(network: String, attachment: Attachment) -> String {
        truncated("\(owner(network: network, attachment: attachment)), net: \(readable(network)), "
                  + "if: \(readable(attachment.ifName)), id: \(readable(attachment.containerID))")
    }

    /// The comment of a network-level rule.
    public static func ruleComment(network: String) -> String {
        truncated("\(networkHash(network)), net: \(readable(network))")
    }

    /// The owner prefix of a comment, if it has the shape `<16 hex>-<16 hex>…`.
    static func ownerPrefix(of comment: String?) -> String? {
        guard let comment, comment.utf8.count >= 33 else { return nil }
        return String(decoding: comment.utf8.prefix(33), as: UTF8.self)
    }

    private static func readable(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0 != "\"" && $0.value >= 0x20 }.map(Character.init))
    }

    /// Cuts to `commentByteLimit` UTF-8 bytes without splitting a character.
    private static func truncated(_ text: String) -> String {
        var result = ""
        var bytes = 0
        for scalar in text.unicodeScalars {
            let width = String(scalar).utf8.count
            if bytes + width > commentByteLimit { break }
            result.unicodeScalars.append(scalar)
            bytes += width
        }
        return result
    }
}

