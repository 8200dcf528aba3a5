import CNIProtocol

extension BridgeNaming {
    private static let ifbPrefix = "ifb"
    private static let vethPrefix = "veth"

    /// The ifb carrying an attachment's egress shaping: `ifb` and the same 11 hex digits as its
    /// host veth, so that the two names come from the one hash and GC can pair them.
    public static func ifbName(for attachment: Attachment) -> String {
        ifbPrefix + hostVethName(for: attachment).dropFirst(vethPrefix.count)
    }

    /// The host veth an ifb name belongs to, or nil when the name is not one the plugin makes.
    public static func hostVethName(forIfb name: String) -> String? {
        guard name.hasPrefix(ifbPrefix) else { return nil }
        let digits = name.dropFirst(ifbPrefix.count)
        guard digits.count == 11, digits.allSatisfy(\.isHexDigit), digits.lowercased() == digits else { return nil }
        return vethPrefix + digits
    }
}
