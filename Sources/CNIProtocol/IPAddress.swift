/// The address family of an IP address.
public enum IPFamily: Int, Sendable, Hashable, CaseIterable {
    case v4 = 4
    case v6 = 6

    /// Address length in bits.
    public var bitWidth: Int { self == .v4 ? 32 : 128 }
}

/// An IPv4 or IPv6 address held as an integer, so that IPAM can step through ranges cheaply.
public enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt128)

    public var family: IPFamily {
        switch self {
        case .v4: return .v4
        case .v6: return .v6
        }
    }

    /// The address as an unsigned integer, widened to 128 bits for IPv4.
    public var integerValue: UInt128 {
        switch self {
        case .v4(let value): return UInt128(value)
        case .v6(let value): return value
        }
    }

    /// Builds an address of `family` from an integer; `nil` if it does not fit.
    public init?(family: IPFamily, integerValue: UInt128) {
        switch family {
        case .v4:
            guard let value = UInt32(exactly: integerValue) else { return nil }
            self = .v4(value)
        case .v6:
            self = .v6(integerValue)
        }
    }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        let count = family.bitWidth / 8
        let value = integerValue
        return (0..<count).map { UInt8(truncatingIfNeeded: value >> UInt128(8 * (count - 1 - $0))) }
    }

    /// Builds an address from 4 or 16 network-order bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        let value = bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
        self = bytes.count == 4 ? .v4(UInt32(value)) : .v6(value)
    }

    /// The address `offset` steps away in the same family, or `nil` past either end.
    public func advanced(by offset: Int) -> IPAddress? {
        let value = integerValue
        let magnitude = UInt128(offset.magnitude)
        if offset >= 0 {
            let (sum, overflow) = value.addingReportingOverflow(magnitude)
            return overflow ? nil : IPAddress(family: family, integerValue: sum)
        }
        return value >= magnitude ? IPAddress(family: family, integerValue: value - magnitude) : nil
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        if lhs.family != rhs.family { return lhs.family == .v4 }
        return lhs.integerValue < rhs.integerValue
    }

    /// True for 224.0.0.0/4 and ff00::/8.
    public var isMulticast: Bool {
        switch self {
        case .v4(let value): return value >> 28 == 0xE
        case .v6(let value): return value >> 120 == 0xFF
        }
    }

    /// True for fe80::/10.
    public var isIPv6LinkLocal: Bool {
        if case .v6(let value) = self { return value >> 118 == 0x3FA }
        return false
    }

    public var description: String {
        switch self {
        case .v4(let value):
            return (0..<4).map { String(UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * $0))) }.joined(separator: ".")
        case .v6(let value):
            return Self.formatIPv6(value)
        }
    }
}

extension IPAddress {
    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (including `::` and an IPv4 tail).
    public init?(_ text: some StringProtocol) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard let value = Self.parseIPv6(Substring(text)) else { return nil }
            self = .v6(value)
        } else {
            guard let value = Self.parseIPv4(Substring(text)) else { return nil }
            self = .v4(value)
        }
    }

    static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let octet = UInt8(part) else { return nil }
            // Leading zeros are refused, as Go's parser does: "010" is ambiguous (octal or decimal).
            guard part.count == 1 || part.first != "0" else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    static func parseIPv6(_ text: Substring) -> UInt128? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        guard let head = parseGroups(halves[0]) else { return nil }
        if halves.count == 1 {
            guard head.count == 8 else { return nil }
            return combine(head)
        }
        guard let tail = parseGroups(halves[1]), head.count + tail.count <= 7 else { return nil }
        return combine(head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail)
    }

    private static func parseGroups(_ text: Substring) -> [UInt16]? {
        if text.isEmpty { return [] }
        var groups: [UInt16] = []
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        for (position, part) in parts.enumerated() {
            if position == parts.count - 1, part.utf8.contains(UInt8(ascii: ".")) {
                guard let v4 = parseIPv4(part) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
                continue
            }
            guard (1...4).contains(part.count), let group = UInt16(part, radix: 16) else { return nil }
            groups.append(group)
        }
        return groups
    }

    private static func combine(_ groups: [UInt16]) -> UInt128 {
        groups.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    /// RFC 5952 text: lower-case hex, the longest run (two or more) of zero groups as `::`.
    private static func formatIPv6(_ value: UInt128) -> String {
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> UInt128(112 - 16 * $0)) }
        var bestStart = -1
        var bestLength = 1
        var position = 0
        while position < 8 {
            guard groups[position] == 0 else { position += 1; continue }
            let start = position
            while position < 8, groups[position] == 0 { position += 1 }
            if position - start > bestLength { bestStart = start; bestLength = position - start }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestStart >= 0 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

extension Substring {
    /// The pieces between occurrences of `separator`, left to right. Written with the standard
    /// library alone: `firstRange(of:)` lives in the string-processing module, whose code would
    /// otherwise be paged into every call that parses an address (see PERFORMANCE.md, round seven).
    fileprivate func components(separatedBy separator: String) -> [Substring] {
        var parts: [Substring] = []
        var pieceStart = startIndex
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(separator) {
                parts.append(self[pieceStart..<index])
                index = self.index(index, offsetBy: separator.count)
                pieceStart = index
            } else {
                formIndex(after: &index)
            }
        }
        parts.append(self[pieceStart...])
        return parts
    }
}
