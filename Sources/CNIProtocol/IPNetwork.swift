/// An address with a prefix length, written `address/prefix` (CIDR).
///
/// Like Go's `net.IPNet`, one type serves both for subnets (`10.22.0.0/16`) and for interface
/// addresses (`10.22.0.5/16`); ``hasHostBits`` tells them apart.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    public init?(address: IPAddress, prefixLength: Int) {
        guard (0...address.family.bitWidth).contains(prefixLength) else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `address/prefix`. Without `requirePrefix`, a bare address gets a full-length prefix.
    public init?(_ text: some StringProtocol, requirePrefix: Bool = true) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        if parts.count == 1 {
            guard !requirePrefix else { return nil }
            self.init(address: address, prefixLength: address.family.bitWidth)
            return
        }
        guard parts[1].allSatisfy(\.isASCII), !parts[1].isEmpty, parts[1].count <= 3, let length = Int(parts[1])
        else { return nil }
        self.init(address: address, prefixLength: length)
    }

    public var family: IPFamily { address.family }

    /// The netmask as an integer of the family's width.
    public var maskValue: UInt128 {
        let width = family.bitWidth
        guard prefixLength > 0 else { return 0 }
        let all: UInt128 = width == 128 ? .max : (UInt128(1) << UInt128(width)) - 1
        return all & ~((UInt128(1) << UInt128(width - prefixLength)) &- 1)
    }

    /// The netmask as an address, e.g. 255.255.255.0.
    public var mask: IPAddress {
        IPAddress(family: family, integerValue: maskValue) ?? address
    }

    /// The first address of the network.
    public var networkAddress: IPAddress {
        IPAddress(family: family, integerValue: address.integerValue & maskValue) ?? address
    }

    /// The last address of the network (the IPv4 broadcast address).
    public var lastAddress: IPAddress {
        let width = family.bitWidth
        let all: UInt128 = width == 128 ? .max : (UInt128(1) << UInt128(width)) - 1
        return IPAddress(family: family, integerValue: (address.integerValue & maskValue) | (all & ~maskValue)) ?? address
    }

    /// This network with the host bits cleared.
    public var masked: IPNetwork {
        IPNetwork(unchecked: networkAddress, prefixLength: prefixLength)
    }

    /// True when the address has bits set beyond the prefix.
    public var hasHostBits: Bool { networkAddress != address }

    public func contains(_ other: IPAddress) -> Bool {
        other.family == family && other.integerValue & maskValue == address.integerValue & maskValue
    }

    public func overlaps(_ other: IPNetwork) -> Bool {
        family == other.family && (contains(other.networkAddress) || other.contains(networkAddress))
    }

    public var description: String { "\(address)/\(prefixLength)" }

    init(unchecked address: IPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }
}
