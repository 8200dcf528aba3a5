import CNIProtocol

/// Chooses addresses for an attachment: one per range set, round-robin, `host-local` semantics.
///
/// For each range set, in order:
/// - if a requested address falls in the set, exactly that address is reserved (an error if it is
///   the gateway, taken, or outside the set's ranges);
/// - otherwise it is an error if the attachment already holds an address in the set (duplicate
///   allocation), and else the set is walked starting just after `last_reserved_ip.<index>`,
///   wrapping around once, skipping each range's gateway.
///
/// Requested addresses that fall in no set are an error. Any failure releases every address this
/// call reserved, so a failed allocation leaves the store as it found it (except a raised
/// high-water mark, which only errs towards announcing; see ``FirstUseFrontier``).
///
/// The duplicate check uses ``LeaseStore/recordedAddresses(of:)`` (O(1)) instead of walking
/// every reservation as the reference does, which is what keeps ADD time flat as the pool fills.
/// The price: a reservation another tool made for the same attachment is not noticed. That only
/// matters if a runtime repeats ADD without DEL while switching IPAM implementations.
public struct IPAllocator: Sendable {
    public var rangeSets: [RangeSet]

    public init(rangeSets: [RangeSet]) {
        self.rangeSets = rangeSets
    }

    /// Reserves one address per range set for `attachment`, under the store's lock.
    /// - Returns: per range set, the address with its subnet's prefix and the range's gateway.
    /// - Throws: ``IPAMError`` (exhausted, unavailable request, duplicate) or the store's error.
    public func allocate(for attachment: Attachment, requesting requested: [IPAddress],
                         in store: some LeaseStore) throws -> [CNIResult.IPConfiguration]
    {
        try allocateNotingFirstUse(for: attachment, requesting: requested, in: store).configurations
    }

    /// ``allocate(for:requesting:in:)``, also telling which addresses this store hands out for
    /// the first time (see ``FirstUseFrontier``).
    public func allocateNotingFirstUse(for attachment: Attachment, requesting requested: [IPAddress],
                                       in store: some LeaseStore) throws
        -> (configurations: [CNIResult.IPConfiguration], firstUse: Set<IPAddress>)
    {
        try store.withLock {
            var taken: [IPAddress] = []
            var firstUse: Set<IPAddress> = []
            do {
                let configurations = try allocateUnlocked(attachment, requested, store, taken: &taken, firstUse: &firstUse)
                try store.record(taken, for: attachment)
                return (configurations, firstUse)
            } catch {
                for address in taken.reversed() { try? store.release(address, of: attachment) }
                throw error
            }
        }
    }

    private func allocateUnlocked(_ attachment: Attachment, _ requested: [IPAddress], _ store: some LeaseStore,
                                  taken: inout [IPAddress], firstUse: inout Set<IPAddress>) throws -> [CNIResult.IPConfiguration]
    {
        var unclaimed = requested
        let alreadyHeld = try store.recordedAddresses(of: attachment)
        var configurations: [CNIResult.IPConfiguration] = []
        for (index, set) in rangeSets.enumerated() {
            let lastReserved = store.lastReservedAddress(rangeSetIndex: index)
            let frontier = FirstUseFrontier(set: set, lastReserved: lastReserved, storedMark: store.highWaterMark(rangeSetIndex: index))
            let address: IPAddress
            if let position = unclaimed.firstIndex(where: { set.range(inSubnet: $0) != nil }) {
                address = try reserveRequested(unclaimed.remove(at: position), set, index, attachment, store)
            } else {
                if let held = alreadyHeld.first(where: set.contains) { throw IPAMError.duplicateAllocation(held, attachment) }
                address = try reserveNext(set, index, after: lastReserved, attachment, store)
                if frontier.isFirstUse(address) { firstUse.insert(address) }
            }
            taken.append(address)
            if let mark = frontier.mark(after: address) { try store.setHighWaterMark(mark, rangeSetIndex: index) }
            configurations.append(Self.configuration(for: address, in: set))
        }
        if let stray = unclaimed.first {
            throw IPAMError.requestedAddressUnavailable(stray, reason: "it is in no configured range set (\(rangeSets.map(\.description).joined(separator: "; ")))")
        }
        return configurations
    }

    private func reserveRequested(_ address: IPAddress, _ set: RangeSet, _ index: Int, _ attachment: Attachment,
                                  _ store: some LeaseStore) throws -> IPAddress
    {
        guard let range = set.range(containing: address) else {
            throw IPAMError.requestedAddressUnavailable(address, reason: "it is outside the allocatable ranges of \(set)")
        }
        guard address != range.gateway else {
            throw IPAMError.requestedAddressUnavailable(address, reason: "it is the gateway of \(range.subnet)")
        }
        guard try store.reserve(address, for: attachment, rangeSetIndex: index) else {
            let holder = (try? store.owner(of: address)).flatMap { $0 }.map(Self.describe) ?? "another container"
            throw IPAMError.requestedAddressUnavailable(address, reason: "it is already reserved by \(holder)")
        }
        return address
    }

    /// After this many taken candidates in a row, the walk lists the store once and skips
    /// listed addresses instead of trying each: one directory read instead of thousands of
    /// failed `link` calls when round-robin runs into a densely used stretch.
    static let probesBeforeListing = 32

    private func reserveNext(_ set: RangeSet, _ index: Int, after lastReserved: IPAddress?, _ attachment: Attachment,
                             _ store: some LeaseStore) throws -> IPAddress
    {
        var walk = RangeSetWalk(set, after: lastReserved)
        var failedProbes = 0
        var listed: Set<IPAddress>?
        var skipped: [IPAddress] = []
        while let candidate = walk.next() {
            if let listed, listed.contains(candidate) {
                skipped.append(candidate)
                continue
            }
            if try store.reserve(candidate, for: attachment, rangeSetIndex: index) { return candidate }
            failedProbes += 1
            if listed == nil, failedProbes >= Self.probesBeforeListing { listed = Set(try store.reservedAddresses()) }
        }
        // A full lap: before giving up, try the skipped ones, as a listed file may be a
        // reclaimable leftover that only `reserve` recognises.
        for candidate in skipped where try store.reserve(candidate, for: attachment, rangeSetIndex: index) {
            return candidate
        }
        throw IPAMError.poolExhausted(rangeSet: set.description, capacity: String(walk.visited))
    }

    static func configuration(for address: IPAddress, in set: RangeSet) -> CNIResult.IPConfiguration {
        let range = set.range(inSubnet: address) ?? set.ranges[0]
        let network = IPNetwork(address: address, prefixLength: range.subnet.prefixLength) ?? range.subnet
        return CNIResult.IPConfiguration(address: network, gateway: range.gateway)
    }

    static func describe(_ owner: LeaseOwner) -> String {
        switch owner {
        case .attachment(let attachment): return "container \(attachment.containerID) interface \(attachment.ifName)"
        case .containerOnly(let id): return "container \(id)"
        case .unknown: return "an unreadable reservation"
        }
    }
}

/// The round-robin candidate order over one range set: from just after `lastReserved` (when it
/// lies in the set), otherwise from the first range's start, through every range in order,
/// wrapping around once, never yielding a range's gateway.
struct RangeSetWalk: IteratorProtocol {
    private let ranges: [AddressRange]
    private var rangeIndex: Int
    private var cursor: IPAddress
    private var remaining: UInt128
    /// Candidates yielded so far.
    private(set) var visited: UInt128 = 0

    init(_ set: RangeSet, after lastReserved: IPAddress?) {
        ranges = set.ranges
        remaining = set.ranges.reduce(UInt128(0)) { total, range in
            let size = range.rangeEnd.integerValue - range.rangeStart.integerValue
            return total.addingReportingOverflow(size).partialValue.addingReportingOverflow(1).partialValue
        }
        if let lastReserved, let index = ranges.firstIndex(where: { $0.contains(lastReserved) }) {
            rangeIndex = index
            cursor = lastReserved
            advance()
        } else {
            rangeIndex = 0
            cursor = ranges[0].rangeStart
        }
    }

    mutating func next() -> IPAddress? {
        while remaining > 0 {
            let candidate = cursor
            let gateway = ranges[rangeIndex].gateway
            remaining -= 1
            advance()
            if candidate != gateway {
                visited += 1
                return candidate
            }
        }
        return nil
    }

    private mutating func advance() {
        if cursor == ranges[rangeIndex].rangeEnd {
            rangeIndex = (rangeIndex + 1) % ranges.count
            cursor = ranges[rangeIndex].rangeStart
        } else {
            cursor = cursor.advanced(by: 1) ?? ranges[rangeIndex].rangeStart
        }
    }
}
