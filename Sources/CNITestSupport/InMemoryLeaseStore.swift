import CNIProtocol
import IPAM

/// A ``LeaseStore`` in memory, for allocator and plugin tests (like host-local's fake store).
///
/// It counts calls, so tests can assert the allocator's cost model (how many reservations it
/// tried, whether it walked the store), and can be told to fail, to test rollback.
public final class InMemoryLeaseStore: LeaseStore {
    public var leasesByAddress: [IPAddress: LeaseOwner] = [:]
    public var lastReserved: [Int: IPAddress] = [:]
    public var records: [Attachment: [IPAddress]] = [:]
    public var highWaterMarks: [Int: IPAddress] = [:]
    /// Number of `reserve` calls, successful or not.
    public private(set) var reserveAttempts = 0
    /// Number of full walks (`leases`, `reservedAddresses`, or `addresses(of:)` falling back).
    public private(set) var walks = 0
    /// Whether the lock is currently held (the store asserts it is for every mutation).
    public private(set) var isLocked = false
    /// When set, the reservation attempt with this 1-based number throws ``InjectedFailure``.
    public var failReserveAttempt: Int?
    /// When set, removing this address throws ``InjectedFailure``.
    public var failRemoving: IPAddress?

    public struct InjectedFailure: Error, Equatable {}

    public init(leases: [IPAddress: LeaseOwner] = [:]) {
        leasesByAddress = leases
    }

    public func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        precondition(!isLocked, "InMemoryLeaseStore: lock taken twice")
        isLocked = true
        defer { isLocked = false }
        return try body()
    }

    public func reserve(_ address: IPAddress, for attachment: Attachment, rangeSetIndex: Int) throws -> Bool {
        precondition(isLocked, "reserve without the lock")
        reserveAttempts += 1
        if reserveAttempts == failReserveAttempt { throw InjectedFailure() }
        guard leasesByAddress[address] == nil else { return false }
        leasesByAddress[address] = .attachment(attachment)
        lastReserved[rangeSetIndex] = address
        return true
    }

    public func lastReservedAddress(rangeSetIndex: Int) -> IPAddress? { lastReserved[rangeSetIndex] }

    public func highWaterMark(rangeSetIndex: Int) -> IPAddress? { highWaterMarks[rangeSetIndex] }

    public func setHighWaterMark(_ address: IPAddress, rangeSetIndex: Int) throws {
        precondition(isLocked, "setHighWaterMark without the lock")
        highWaterMarks[rangeSetIndex] = address
    }

    public func owner(of address: IPAddress) throws -> LeaseOwner? { leasesByAddress[address] }

    public func recordedAddresses(of attachment: Attachment) throws -> [IPAddress] {
        (records[attachment] ?? []).filter { leasesByAddress[$0] == .attachment(attachment) }
    }

    public func record(_ addresses: [IPAddress], for attachment: Attachment) throws {
        precondition(isLocked, "record without the lock")
        var all = try recordedAddresses(of: attachment)
        for address in addresses where !all.contains(address) { all.append(address) }
        records[attachment] = all.isEmpty ? nil : all
    }

    public func addresses(of attachment: Attachment) throws -> [IPAddress] {
        let recorded = try recordedAddresses(of: attachment)
        if !recorded.isEmpty, recorded.count == records[attachment]?.count { return recorded }
        walks += 1
        let current = leasesByAddress.filter { $0.value == .attachment(attachment) }.keys.sorted()
        if !current.isEmpty { return current }
        return leasesByAddress.filter { $0.value == .containerOnly(attachment.containerID) }.keys.sorted()
    }

    public func release(_ address: IPAddress, of attachment: Attachment) throws {
        let held = leasesByAddress[address]
        guard held == .attachment(attachment) || held == .containerOnly(attachment.containerID) else { return }
        try remove(address)
    }

    @discardableResult
    public func releaseAll(of attachment: Attachment) throws -> [IPAddress] {
        precondition(isLocked, "releaseAll without the lock")
        let held = try addresses(of: attachment)
        for address in held { try release(address, of: attachment) }
        records[attachment] = nil
        return held
    }

    public func leases() throws -> [Lease] {
        walks += 1
        return leasesByAddress.map { Lease(address: $0.key, owner: $0.value) }.sorted { $0.address < $1.address }
    }

    public func reservedAddresses() throws -> [IPAddress] {
        walks += 1
        return leasesByAddress.keys.sorted()
    }

    public func remove(_ address: IPAddress) throws {
        if address == failRemoving { throw InjectedFailure() }
        leasesByAddress[address] = nil
    }

    public func removeGarbage() -> [String] {
        records = records.filter { attachment, addresses in
            addresses.contains { leasesByAddress[$0] == .attachment(attachment) }
        }
        return []
    }

    public func probeWritable() throws {}
}
