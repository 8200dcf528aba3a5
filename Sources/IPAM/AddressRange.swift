import CNIProtocol

/// One allocatable range inside a subnet (`ipam.ranges[i][j]`), with every default filled in.
///
/// Defaults follow the reference `host-local` code (not its docs): `rangeStart` is subnet+1 (the
/// gateway is skipped while iterating, not excluded from the range), `rangeEnd` is the broadcast
/// address − 1 for IPv4 and the last address for IPv6, and `gateway` is subnet+1.
public struct AddressRange: Equatable, Sendable, CustomStringConvertible {
    public var subnet: IPNetwork
    public var rangeStart: IPAddress
    public var rangeEnd: IPAddress
    public var gateway: IPAddress

    /// Validates and completes a range.
    /// - Throws: ``IPAMError/invalidConfiguration(_:)`` naming the offending value.
    public init(subnet: IPNetwork, rangeStart: IPAddress? = nil, rangeEnd: IPAddress? = nil,
                gateway: IPAddress? = nil) throws(IPAMError)
    {
        guard !subnet.hasHostBits else {
            throw .invalidConfiguration("subnet \(subnet) has host bits set (the network is \(subnet.masked))")
        }
        guard subnet.prefixLength <= subnet.family.bitWidth - 2 else {
            throw .invalidConfiguration("subnet \(subnet) is too small to allocate from")
        }
        self.subnet = subnet
        let first = subnet.networkAddress.advanced(by: 1) ?? subnet.networkAddress
        let last = subnet.family == .v4 ? (subnet.lastAddress.advanced(by: -1) ?? subnet.lastAddress) : subnet.lastAddress
        self.gateway = try Self.inside(subnet, gateway, "gateway") ?? first
        self.rangeStart = try Self.inside(subnet, rangeStart, "rangeStart") ?? first
        self.rangeEnd = try Self.inside(subnet, rangeEnd, "rangeEnd") ?? last
        guard self.rangeStart <= self.rangeEnd else {
            throw .invalidConfiguration("rangeStart \(self.rangeStart) is after rangeEnd \(self.rangeEnd) in \(subnet)")
        }
    }

    private static func inside(_ subnet: IPNetwork, _ address: IPAddress?, _ key: String) throws(IPAMError) -> IPAddress? {
        guard let address else { return nil }
        guard subnet.contains(address) else {
            throw .invalidConfiguration("\(key) \(address) is not in subnet \(subnet)")
        }
        return address
    }

    public var family: IPFamily { subnet.family }

    /// True when `address` is between `rangeStart` and `rangeEnd` inclusive.
    public func contains(_ address: IPAddress) -> Bool {
        address.family == family && rangeStart <= address && address <= rangeEnd
    }

    /// True when the two ranges share an address.
    public func overlaps(_ other: AddressRange) -> Bool {
        family == other.family && rangeStart <= other.rangeEnd && other.rangeStart <= rangeEnd
    }

    /// How many addresses can be handed out: the range minus the gateway when it lies inside.
    public var capacity: UInt128 {
        let size = rangeEnd.integerValue - rangeStart.integerValue
        // `size` is one less than the count; this form cannot overflow for a whole IPv6 space.
        return contains(gateway) ? size : size &+ 1
    }

    public var description: String {
        "\(subnet) [\(rangeStart)-\(rangeEnd)] gateway \(gateway)"
    }
}

/// A list of ranges of one address family. One address is allocated per range set, so two sets
/// (one IPv4, one IPv6) give a dual-stack attachment.
public struct RangeSet: Equatable, Sendable, CustomStringConvertible {
    public var ranges: [AddressRange]

    /// - Throws: ``IPAMError/invalidConfiguration(_:)`` for an empty set, mixed families or
    ///   overlapping ranges.
    public init(_ ranges: [AddressRange]) throws(IPAMError) {
        guard let first = ranges.first else { throw .invalidConfiguration("a range set has no ranges") }
        for range in ranges where range.family != first.family {
            throw .invalidConfiguration("range set mixes IPv\(first.family.rawValue) and IPv\(range.family.rawValue): \(first.subnet), \(range.subnet)")
        }
        for (index, range) in ranges.enumerated() {
            for other in ranges[(index + 1)...] where range.overlaps(other) {
                throw .invalidConfiguration("ranges \(range) and \(other) overlap")
            }
        }
        self.ranges = ranges
    }

    public var family: IPFamily { ranges[0].family }

    /// The range whose rangeStart…rangeEnd holds `address`.
    public func range(containing address: IPAddress) -> AddressRange? {
        ranges.first { $0.contains(address) }
    }

    /// The range whose subnet holds `address`, even outside rangeStart…rangeEnd.
    public func range(inSubnet address: IPAddress) -> AddressRange? {
        ranges.first { $0.subnet.contains(address) }
    }

    public func contains(_ address: IPAddress) -> Bool { range(containing: address) != nil }

    public func overlaps(_ other: RangeSet) -> Bool {
        ranges.contains { mine in other.ranges.contains { mine.overlaps($0) } }
    }

    /// Addresses that can be handed out, over all ranges; saturates at `UInt128.max`.
    public var capacity: UInt128 {
        ranges.reduce(UInt128(0)) { total, range in
            let (sum, overflow) = total.addingReportingOverflow(range.capacity)
            return overflow ? .max : sum
        }
    }

    /// The subnets, e.g. `10.22.0.0/16` or `10.1.0.0/24,10.2.0.0/24`, as used in messages.
    public var description: String { ranges.map { "\($0.subnet)" }.joined(separator: ",") }
}
