import CNIProtocol

/// Who holds a reserved address, as recorded in the store.
public enum LeaseOwner: Hashable, Sendable {
    /// The normal record: container ID and interface name.
    case attachment(Attachment)
    /// A record from an old `host-local` that stored only the container ID.
    case containerOnly(String)
    /// An empty or unreadable record, e.g. left by a writer killed mid-write. Reclaimable.
    case unknown
}

/// One reserved address and its owner.
public struct Lease: Hashable, Sendable {
    public var address: IPAddress
    public var owner: LeaseOwner

    public init(address: IPAddress, owner: LeaseOwner) {
        self.address = address
        self.owner = owner
    }
}

/// Persistence for address reservations: the seam between the pure ``IPAllocator`` and disk.
///
/// Locking is the caller's job: every method except ``withLock(_:)`` expects the lock to be held,
/// and callers hold it only around one store update (never across kernel work), as the
/// reference `host-local` does.
///
/// Cost model, which the allocator relies on to keep ADD independent of how many addresses are
/// taken: ``reserve(_:for:rangeSetIndex:)``, ``lastReservedAddress(rangeSetIndex:)``,
/// ``owner(of:)``, ``recordedAddresses(of:)`` and ``record(_:for:)`` are O(1). Only
/// ``addresses(of:)`` (when the record is missing or stale), ``leases()`` and
/// ``reservedAddresses()`` may walk the whole store.
public protocol LeaseStore: AnyObject {
    /// Runs `body` with the store's exclusive lock held.
    func withLock<Result>(_ body: () throws -> Result) throws -> Result

    /// Reserves `address` for `attachment` and remembers it as the last one reserved in range set
    /// `rangeSetIndex`. Returns `false`, changing nothing, when it is already reserved.
    func reserve(_ address: IPAddress, for attachment: Attachment, rangeSetIndex: Int) throws -> Bool

    /// The address most recently reserved in range set `rangeSetIndex`, if known. Never throws:
    /// losing it only costs round-robin order once.
    func lastReservedAddress(rangeSetIndex: Int) -> IPAddress?

    /// The range set's high-water mark (see ``FirstUseFrontier``), `nil` when it has none or it
    /// is unreadable. Never throws: a lost mark only means announcing every address again.
    func highWaterMark(rangeSetIndex: Int) -> IPAddress?

    /// Stores the range set's high-water mark. O(1).
    func setHighWaterMark(_ address: IPAddress, rangeSetIndex: Int) throws

    /// Who holds `address`; `nil` when it is free.
    func owner(of address: IPAddress) throws -> LeaseOwner?

    /// The addresses this store recorded for `attachment` at its last successful allocation and
    /// that it still holds. O(1): it may miss reservations made by other tools (which
    /// ``addresses(of:)`` finds), so use it only where a miss is harmless.
    func recordedAddresses(of attachment: Attachment) throws -> [IPAddress]

    /// Records that `attachment` holds `addresses` (added to any earlier record), so later
    /// lookups need no walk.
    func record(_ addresses: [IPAddress], for attachment: Attachment) throws

    /// Every address `attachment` holds: its own records, or, when none, legacy records holding
    /// only its container ID.
    func addresses(of attachment: Attachment) throws -> [IPAddress]

    /// Frees `address` if, and only if, `attachment` holds it.
    func release(_ address: IPAddress, of attachment: Attachment) throws

    /// Frees everything ``addresses(of:)`` reports and forgets the attachment. Idempotent.
    @discardableResult
    func releaseAll(of attachment: Attachment) throws -> [IPAddress]

    /// Every reservation with its owner (reads every record).
    func leases() throws -> [Lease]

    /// Every reserved address, without reading owners (cheaper than ``leases()``).
    func reservedAddresses() throws -> [IPAddress]

    /// Frees `address` whoever holds it (GC).
    func remove(_ address: IPAddress) throws

    /// Removes leftovers of interrupted writers and records of attachments that hold nothing.
    /// Returns a description of each failure; it keeps going past them.
    func removeGarbage() -> [String]

    /// Checks that the store can be written now. Called under the lock.
    func probeWritable() throws
}

extension LeaseStore {
    /// A store that keeps no mark: nothing it hands out counts as a first use.
    public func highWaterMark(rangeSetIndex: Int) -> IPAddress? { nil }

    public func setHighWaterMark(_ address: IPAddress, rangeSetIndex: Int) throws {}
}
