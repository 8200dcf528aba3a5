/// A 48-bit Ethernet address.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (or with `-`), case-insensitive: the one MAC parser of every
    /// module. Each group is exactly two hex digits (`UInt8(_:radix:)` alone would take "+a").
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let groups = parts.count == 6 ? parts : text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for group in groups {
            guard group.utf8.count == 2, group.allSatisfy(\.isHexDigit), let byte = UInt8(group, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    /// A random unicast MAC with the locally administered bit set, as the kernel's own random
    /// MACs are (`eth_random_addr`).
    public static func randomLocallyAdministered() -> MACAddress {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<6).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[0] = (bytes[0] & 0xfe) | 0x02
        return MACAddress(sixBytes: bytes)
    }

    private init(sixBytes: [UInt8]) { bytes = sixBytes }

    /// Unicast addresses have the group bit (bit 0 of the first byte) clear, and are not all zero.
    public var isUnicast: Bool { bytes[0] & 1 == 0 && bytes.contains { $0 != 0 } }

    public var description: String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: ":")
    }
}
