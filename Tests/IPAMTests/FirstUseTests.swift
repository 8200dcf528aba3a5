import CNIProtocol
import CNITestSupport
import IPAM
import Testing

/// Which addresses the allocator reports as handed out for the first time (no announcement
/// needed), on the in-memory store and on disk.
@Suite("First use of an address: the allocator's report")
struct FirstUseTests {
    let small = IPAllocator(rangeSets: [try! rangeSet("10.0.0.0/29")])  // .1 gateway, .2-.6 allocatable

    /// The addresses `id` got, and which of them were reported as first use.
    func allocate(_ allocator: IPAllocator, _ store: InMemoryLeaseStore, _ id: String, requesting: [IPAddress] = [])
        throws -> (addresses: [IPAddress], firstUse: Set<IPAddress>)
    {
        let (configurations, firstUse) = try allocator.allocateNotingFirstUse(for: attachment(id), requesting: requesting, in: store)
        return (configurations.map(\.address.address), firstUse)
    }

    @Test("a new store: the first address is announced (the directory may have been wiped), the walk's next ones are new")
    func newStore() throws {
        let store = InMemoryLeaseStore()
        #expect(try allocate(small, store, "a") == ([ip("10.0.0.2")], []))
        #expect(store.highWaterMarks[0] == ip("10.0.0.2"))
        #expect(try allocate(small, store, "b") == ([ip("10.0.0.3")], [ip("10.0.0.3")]))
        #expect(try allocate(small, store, "c") == ([ip("10.0.0.4")], [ip("10.0.0.4")]))
        #expect(store.highWaterMarks[0] == ip("10.0.0.4"))
    }

    @Test("after wrapping around, every address is a reused one, also above a freed one the walk skipped")
    func wrapAround() throws {
        let store = InMemoryLeaseStore()
        for id in ["a", "b", "c", "d", "e"] { _ = try allocate(small, store, id) }  // .2 … .6, the whole range
        try store.withLock { _ = try store.releaseAll(of: attachment("b")) }  // frees .3
        try store.withLock { _ = try store.releaseAll(of: attachment("e")) }  // frees .6
        #expect(try allocate(small, store, "f") == ([ip("10.0.0.3")], []), "wrapped: .3 was held by b")
        #expect(try allocate(small, store, "g") == ([ip("10.0.0.6")], []), "no wrap in this call, but .6 was held by e")
        #expect(store.highWaterMarks[0] == ip("10.0.0.6"))
    }

    @Test("a requested address is always announced and raises the mark, so the walk never calls it new later")
    func requested() throws {
        let allocator = IPAllocator(rangeSets: [try rangeSet("10.0.0.0/24")])
        let store = InMemoryLeaseStore()
        _ = try allocate(allocator, store, "a")  // .2 starts the mark
        #expect(try allocate(allocator, store, "s1", requesting: [ip("10.0.0.200")]) == ([ip("10.0.0.200")], []))
        #expect(try allocate(allocator, store, "b").firstUse == [ip("10.0.0.201")])
        #expect(try allocate(allocator, store, "s2", requesting: [ip("10.0.0.50")]) == ([ip("10.0.0.50")], []))
        #expect(store.highWaterMarks[0] == ip("10.0.0.201"), "a lower request leaves the mark")
        try store.withLock { _ = try store.releaseAll(of: attachment("s1")) }
        // The walk continues after .50 (last_reserved_ip): .51 … .201 were or may have been used.
        #expect(try allocate(allocator, store, "c") == ([ip("10.0.0.51")], []))
        store.lastReserved[0] = ip("10.0.0.199")
        #expect(try allocate(allocator, store, "d") == ([ip("10.0.0.200")], []), "the freed requested address")
        #expect(try allocate(allocator, store, "e") == ([ip("10.0.0.202")], [ip("10.0.0.202")]))
    }

    @Test("a directory with last_reserved_ip but no mark (host-local's, an older nsbridge's) never gets one")
    func untrackedHistory() throws {
        let store = InMemoryLeaseStore()
        store.lastReserved[0] = ip("10.0.0.2")
        for id in ["a", "b", "c"] { #expect(try allocate(small, store, id).firstUse.isEmpty) }
        #expect(store.highWaterMarks.isEmpty)
    }

    @Test("last_reserved_ip past the mark (a writer killed between the two, another tool) counts as the mark")
    func lastReservedPastMark() throws {
        let allocator = IPAllocator(rangeSets: [try rangeSet("10.0.0.0/24")])
        let store = InMemoryLeaseStore()
        store.highWaterMarks[0] = ip("10.0.0.5")
        store.lastReserved[0] = ip("10.0.0.9")
        #expect(try allocate(allocator, store, "a") == ([ip("10.0.0.10")], [ip("10.0.0.10")]))
        store.lastReserved[0] = ip("10.0.0.3")  // another tool wrapped around; the mark still covers .4 … .10
        #expect(try allocate(allocator, store, "b") == ([ip("10.0.0.4")], []))
    }

    @Test("a mark outside the range set (the configuration changed) leaves the set untracked")
    func changedConfiguration() throws {
        let allocator = IPAllocator(rangeSets: [try rangeSet("10.9.0.0/24")])
        let store = InMemoryLeaseStore()
        store.highWaterMarks[0] = ip("10.0.0.5")
        store.lastReserved[0] = ip("10.0.0.5")
        #expect(try allocate(allocator, store, "a") == ([ip("10.9.0.2")], []))
        #expect(try allocate(allocator, store, "b").firstUse.isEmpty)
        #expect(store.highWaterMarks[0] == ip("10.0.0.5"), "left as it was")
    }

    @Test("several range sets (IPv4 and IPv6) keep a mark each; ranges out of ascending order are announced")
    func severalSets() throws {
        let descending = try RangeSet([
            AddressRange(subnet: IPNetwork("10.2.0.0/24")!, rangeStart: ip("10.2.0.10"), rangeEnd: ip("10.2.0.11")),
            AddressRange(subnet: IPNetwork("10.1.0.0/24")!, rangeStart: ip("10.1.0.10"), rangeEnd: ip("10.1.0.12")),
        ])
        let allocator = IPAllocator(rangeSets: [descending, try rangeSet("fd00::/120")])
        let store = InMemoryLeaseStore()
        #expect(try allocate(allocator, store, "a") == ([ip("10.2.0.10"), ip("fd00::2")], []))
        #expect(try allocate(allocator, store, "b") == ([ip("10.2.0.11"), ip("fd00::3")], [ip("10.2.0.11"), ip("fd00::3")]))
        #expect(try allocate(allocator, store, "c") == ([ip("10.1.0.10"), ip("fd00::4")], [ip("fd00::4")]),
                "10.1.0.10 lies below the mark 10.2.0.11: announced, though new")
        #expect(store.highWaterMarks == [0: ip("10.2.0.11"), 1: ip("fd00::4")])
    }

    @Test("a failed allocation reports nothing and releases what it took; a raised mark only errs towards announcing")
    func failedAllocation() throws {
        let store = InMemoryLeaseStore()
        _ = try allocate(small, store, "a")
        store.failReserveAttempt = store.reserveAttempts + 2
        let twoSets = IPAllocator(rangeSets: [try rangeSet("10.0.0.0/29"), try rangeSet("10.0.1.0/29")])
        #expect(throws: InMemoryLeaseStore.InjectedFailure.self) { try allocate(twoSets, store, "b") }
        #expect(store.leasesByAddress.keys.sorted() == [ip("10.0.0.2")])
        #expect(store.highWaterMarks[0] == ip("10.0.0.3"))
        store.lastReserved[0] = ip("10.0.0.2")
        #expect(try allocate(small, store, "c") == ([ip("10.0.0.3")], []), "at the raised mark: announced")
        #expect(try allocate(small, store, "d") == ([ip("10.0.0.4")], [ip("10.0.0.4")]))
    }
}

@Suite("First use of an address: the mark on disk")
struct FirstUseFileTests {
    @Test("the mark lives in .nsbridge as high_water_ip.<set>; host-local's files are unchanged; GC keeps it")
    func onDisk() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path, extraRanges: #",[{"subnet":"fd00:22::/64"}]"#)
        let first = try ipam.allocateNotingFirstUse(for: attachment("c1"))
        #expect(first.firstUse.isEmpty)
        let second = try ipam.allocateNotingFirstUse(for: attachment("c2"))
        #expect(second.firstUse == [ip("10.22.0.3"), ip("fd00:22::3")])
        #expect(try ipam.allocate(for: attachment("c3")).ips.count == 2)
        let net = temp.appending("testnet")
        #expect(fileText(net + "/.nsbridge/high_water_ip.0") == "10.22.0.4")
        #expect(fileText(net + "/.nsbridge/high_water_ip.1") == "fd00:22::4")
        #expect(mode(net + "/.nsbridge/high_water_ip.0") == 0o600)
        #expect(names(net) == [".nsbridge", "10.22.0.2", "10.22.0.3", "10.22.0.4", "fd00:22::2", "fd00:22::3", "fd00:22::4",
                               "last_reserved_ip.0", "last_reserved_ip.1", "lock"])

        try ipam.release(for: attachment("c3"))
        try ipam.garbageCollect(valid: [attachment("c1")], isAttachmentAlive: { _ in false })
        #expect(names(net + "/.nsbridge") == ["c1@eth0", "high_water_ip.0", "high_water_ip.1"])
        #expect(try ipam.allocateNotingFirstUse(for: attachment("c4")).firstUse == [ip("10.22.0.5"), ip("fd00:22::5")])
    }

    @Test("a torn or foreign mark reads as none, and the set stays untracked")
    func unreadableMark() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path)
        _ = try ipam.allocate(for: attachment("c1"))
        try writeFile(temp.appending("testnet/.nsbridge/high_water_ip.0"), "10.22.0.")
        #expect(try ipam.allocateNotingFirstUse(for: attachment("c2")).firstUse.isEmpty)
        #expect(fileText(temp.appending("testnet/.nsbridge/high_water_ip.0")) == "10.22.0.")
    }
}
