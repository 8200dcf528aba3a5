import CNIProtocol

/// The port elements of both spoof checks name the container's MAC in their comment, right
/// after the fixed-width owner prefix (so truncation never reaches it): DEL runs without the
/// container, and reads the MAC-keyed elements by key instead of listing whole sets.
extension OwnerTag {
    /// `<owner>, mac: <mac>, <rest of the element comment>`, within nft's comment limit.
    static func portComment(owner: String, mac: [UInt8], _ elementComment: String) -> String {
        let macText = mac.map(hexByte).joined(separator: ":")
        var comment = owner + ", mac: " + macText + String(elementComment.dropFirst(owner.count))
        while comment.utf8.count > commentByteLimit { comment.unicodeScalars.removeLast() }
        return comment
    }

    /// The MAC named in a port element's comment.
    static func mac(inPortComment comment: String?) -> [UInt8]? {
        guard let comment, let owner = ownerPrefix(of: comment) else { return nil }
        let rest = comment.dropFirst(owner.count)
        guard rest.hasPrefix(", mac: ") else { return nil }
        return MACAddress(String(rest.dropFirst(7).prefix(17)))?.bytes
    }
}
