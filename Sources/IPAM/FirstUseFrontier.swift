import CNIProtocol

/// An ADD's addresses, and which of them this node hands out for the first time.
public struct AddressAllocation: Sendable {
    /// What ``AddressManager/allocate(for:)`` returns.
    public var result: CNIResult
    /// Addresses no neighbour can have cached with another MAC, because no attachment on this
    /// node ever held them: ADD need not announce them. Empty when the manager cannot tell.
    public var firstUse: Set<IPAddress>

    public init(result: CNIResult, firstUse: Set<IPAddress> = []) {
        self.result = result
        self.firstUse = firstUse
    }
}

/// Whether an address in one range set is handed out for the first time on this node.
///
/// The store keeps, per range set, a **high-water mark**: an address at or above every address
/// it reserved in that set since it began keeping the mark. An address above the mark (and above
/// `last_reserved_ip`) has never been reserved here, so no neighbour can hold an entry mapping it
/// to an old MAC, and its gratuitous ARP / unsolicited NA would only flood every bridge port for
/// nothing. The judgement errs one way only, towards announcing:
///
/// - The mark is only *started* by the first reservation in a set that has no `last_reserved_ip`
///   yet (a new network directory); that reservation itself is announced, since the directory may
///   have been wiped while containers ran. A directory that already has `last_reserved_ip` but no
///   mark (written by the reference `host-local` or an older nsbridge, whose history is unknown)
///   never gets one: every address in it keeps being announced, as before.
/// - The round-robin walk yields ascending addresses until it wraps around; a wrapped candidate,
///   a freed address reused, or a range set whose ranges are not in ascending order all yield an
///   address at or below the mark: announced.
/// - A requested (static) address is always announced, and raises the mark, so the walk never
///   calls it new later.
/// - `last_reserved_ip` counts as part of the mark: a writer killed between the two files, or
///   another tool reserving in the same directory, moves it past the mark.
/// - A mark outside the set's ranges (the configuration changed) or of the other family makes the
///   set untracked; nothing in it is called new.
/// - DEL and GC free addresses below the mark and never lower it.
///
/// What it cannot see: a data directory wiped while containers still hold addresses (their
/// addresses are handed out again anyway, a conflict of its own), and another IPAM that wraps
/// around in the same directory without moving `last_reserved_ip` past the mark. A missed
/// announcement costs at most a neighbour's stale entry until its own reachability probe (a few
/// seconds), never a wrong reservation.
struct FirstUseFrontier {
    /// Every address reserved in the set since tracking began is at or below this.
    private let highest: IPAddress?
    /// What the store holds as the mark now (to skip rewriting an unchanged one).
    private let stored: IPAddress?
    /// True when the set has a mark, or this reservation starts one.
    private let isTracked: Bool

    init(set: RangeSet, lastReserved: IPAddress?, storedMark: IPAddress?) {
        stored = storedMark
        switch (lastReserved, storedMark) {
        case (nil, nil):
            highest = nil
            isTracked = true
        case (_, nil):
            highest = nil
            isTracked = false
        case (let last, let mark?):
            isTracked = set.contains(mark)
            if let last, last.family == mark.family, last > mark { highest = last } else { highest = mark }
        }
    }

    /// True when `address`, reserved by the walk, lies above everything reserved so far.
    func isFirstUse(_ address: IPAddress) -> Bool {
        guard isTracked, let highest, highest.family == address.family else { return false }
        return address > highest
    }

    /// The mark to store after reserving `address`, or `nil` when it stays as it is.
    func mark(after address: IPAddress) -> IPAddress? {
        guard isTracked else { return nil }
        guard let highest, highest.family == address.family else { return address }
        let raised = Swift.max(highest, address)
        return raised == stored ? nil : raised
    }
}
