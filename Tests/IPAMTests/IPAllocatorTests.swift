import CNIProtocol
import CNITestSupport
import IPAM
import Testing

@Suite("IP allocator on an in-memory store")
struct IPAllocatorTests {
    let small = IPAllocator(rangeSets: [try! rangeSet("10.0.0.0/29")])  // .1 gateway, .2-.6 allocatable

    func allocate(_ allocator: IPAllocator, _ store: InMemoryLeaseStore, _ id: String, requesting: [IPAddress] = [])
        throws -> [IPAddress]
    {
        try allocator.allocate(for: attachment(id), requesting: requesting, in: store).map(\.address.address)
    }

    @Test("addresses go round-robin from rangeStart, skipping the gateway, with the subnet prefix and gateway")
    func order() throws {
        let store = InMemoryLeaseStore()
        let first = try small.allocate(for: attachment("a"), requesting: [], in: store)
        #expect(first == [CNIResult.IPConfiguration(address: IPNetwork("10.0.0.2/29")!, gateway: ip("10.0.0.1"))])
        #expect(try allocate(small, store, "b") == [ip("10.0.0.3")])
        try store.withLock { _ = try store.releaseAll(of: attachment("a")) }
        // Round-robin: a released address is not reused until the walk comes back to it.
        #expect(try allocate(small, store, "c") == [ip("10.0.0.4")])
    }

    @Test("the walk wraps around after the end and continues after last_reserved_ip")
    func wrapAround() throws {
        let store = InMemoryLeaseStore()
        store.lastReserved[0] = ip("10.0.0.6")
        #expect(try allocate(small, store, "a") == [ip("10.0.0.2")])
        store.lastReserved[0] = ip("10.0.0.4")
        store.leasesByAddress[ip("10.0.0.5")] = .containerOnly("x")
        store.leasesByAddress[ip("10.0.0.6")] = .containerOnly("y")
        #expect(try allocate(small, store, "b") == [ip("10.0.0.3")])
    }

    @Test("a gateway in the middle of the range is skipped")
    func gatewayInside() throws {
        let allocator = IPAllocator(rangeSets: [try rangeSet("10.0.0.0/29", start: "10.0.0.2", end: "10.0.0.4", gateway: "10.0.0.3")])
        let store = InMemoryLeaseStore()
        #expect(try allocate(allocator, store, "a") == [ip("10.0.0.2")])
        #expect(try allocate(allocator, store, "b") == [ip("10.0.0.4")])
        #expect(throws: IPAMError.self) { try allocate(allocator, store, "c") }
    }

    @Test("several ranges in a set are walked in order")
    func multipleRanges() throws {
        let set = try RangeSet([
            AddressRange(subnet: IPNetwork("10.1.0.0/24")!, rangeStart: ip("10.1.0.10"), rangeEnd: ip("10.1.0.11")),
            AddressRange(subnet: IPNetwork("10.2.0.0/24")!, rangeStart: ip("10.2.0.10"), rangeEnd: ip("10.2.0.10")),
        ])
        let allocator = IPAllocator(rangeSets: [set])
        let store = InMemoryLeaseStore()
        let got = try (0..<3).flatMap { try allocate(allocator, store, "c\($0)") }
        #expect(got == [ip("10.1.0.10"), ip("10.1.0.11"), ip("10.2.0.10")])
    }

    @Test("exhaustion names the range set and how many addresses are taken")
    func exhaustion() throws {
        let store = InMemoryLeaseStore()
        for index in 0..<5 { _ = try allocate(small, store, "c\(index)") }
        do {
            _ = try allocate(small, store, "late")
            Issue.record("allocated from a full pool")
        } catch let error as IPAMError {
            #expect(error == .poolExhausted(rangeSet: "10.0.0.0/29", capacity: "5"))
            #expect(error.description.contains("no IP addresses available in range set 10.0.0.0/29"))
            #expect(error.description.contains("all 5 taken"))
        }
        #expect(store.walks == 0)
    }

    @Test("a requested address reserves exactly that one")
    func requested() throws {
        let store = InMemoryLeaseStore()
        #expect(try allocate(small, store, "a", requesting: [ip("10.0.0.5")]) == [ip("10.0.0.5")])
        #expect(store.reserveAttempts == 1)
        for (address, reason) in [("10.0.0.1", "gateway"), ("10.0.0.5", "already reserved by container a"),
                                  ("10.0.0.7", "outside"), ("10.9.0.1", "no configured range set")] {
            do {
                _ = try allocate(small, store, "b", requesting: [ip(address)])
                Issue.record("\(address) was allocated")
            } catch let error as IPAMError {
                #expect(error.cniError.code == .ipamAddressUnavailable)
                #expect(error.description.contains(reason), "\(error.description)")
            }
        }
        #expect(store.leasesByAddress.count == 1, "failed requests leave nothing behind")
    }

    @Test("a second allocation for the same attachment is a duplicate, found without walking the store")
    func duplicate() throws {
        let store = InMemoryLeaseStore()
        _ = try allocate(small, store, "a")
        #expect(throws: IPAMError.duplicateAllocation(ip("10.0.0.2"), attachment("a"))) { try allocate(small, store, "a") }
        #expect(store.walks == 0)
        // Another interface of the same container is a different attachment.
        #expect(try small.allocate(for: attachment("a", "eth1"), requesting: [], in: store).count == 1)
    }

    @Test("dual stack: one address per range set, a requested one in its own family")
    func dualStack() throws {
        let allocator = IPAllocator(rangeSets: [try rangeSet("10.0.0.0/24"), try rangeSet("fd00::/64")])
        let store = InMemoryLeaseStore()
        let result = try allocator.allocate(for: attachment("a"), requesting: [ip("fd00::77")], in: store)
        #expect(result.map(\.address.description) == ["10.0.0.2/24", "fd00::77/64"])
        #expect(result.map(\.gateway) == [ip("10.0.0.1"), ip("fd00::1")])
    }

    @Test("a failure in the second range set releases what the first one took")
    func rollback() throws {
        let allocator = IPAllocator(rangeSets: [try rangeSet("10.0.0.0/24"), try rangeSet("fd00::/64")])
        let store = InMemoryLeaseStore()
        store.failReserveAttempt = 2
        #expect(throws: InMemoryLeaseStore.InjectedFailure.self) {
            _ = try allocator.allocate(for: attachment("a"), requesting: [], in: store)
        }
        #expect(store.leasesByAddress.isEmpty)
        #expect(store.records.isEmpty)
        // A stray requested address also undoes everything.
        store.failReserveAttempt = nil
        #expect(throws: IPAMError.self) {
            _ = try allocator.allocate(for: attachment("a"), requesting: [ip("192.168.9.9")], in: store)
        }
        #expect(store.leasesByAddress.isEmpty)
    }

    @Test("the same address requested twice (Podman) is reserved once")
    func duplicateRequests() throws {
        let configuration = try ipamConfiguration(#"{"type":"host-local","subnet":"10.0.0.0/24"}"#,
                                                  extra: #","runtimeConfig":{"ips":["10.0.0.9","10.0.0.9/24"]}"#)
        let store = InMemoryLeaseStore()
        let ipam = HostLocalIPAM(configuration: configuration, store: store)
        let result = try ipam.allocate(for: attachment("p"))
        #expect(result.ips.map(\.address.description) == ["10.0.0.9/24"])
    }

    @Test("a full lap of a large IPv6 set is not attempted: the first free address is found at once")
    func largeIPv6() throws {
        let allocator = IPAllocator(rangeSets: [try rangeSet("fd00::/64")])
        let store = InMemoryLeaseStore()
        #expect(try allocate(allocator, store, "a") == [ip("fd00::2")])
        #expect(store.reserveAttempts == 1)
    }
}

@Suite("IP allocator: dense stretches")
struct IPAllocatorDenseTests {
    @Test("after a run of taken candidates the walk lists the store once and skips listed addresses")
    func listingAfterManyProbes() throws {
        let allocator = IPAllocator(rangeSets: [try rangeSet("10.0.0.0/16")])
        var leases: [IPAddress: LeaseOwner] = [:]
        var address = ip("10.0.0.2")
        for index in 0..<5_000 {
            leases[address] = .containerOnly("x\(index)")
            address = address.advanced(by: 1)!
        }
        let store = InMemoryLeaseStore(leases: leases)
        let got = try allocator.allocate(for: attachment("a"), requesting: [], in: store)
        #expect(got.first?.address.address == address)
        #expect(store.reserveAttempts == 33)
        #expect(store.walks == 1)
    }

    @Test("a full pool still reports exhaustion after listing")
    func fullAfterListing() throws {
        let allocator = IPAllocator(rangeSets: [try rangeSet("10.0.0.0/24")])
        let store = InMemoryLeaseStore()
        for index in 0..<253 { _ = try allocator.allocate(for: attachment("c\(index)"), requesting: [], in: store) }
        #expect(throws: IPAMError.poolExhausted(rangeSet: "10.0.0.0/24", capacity: "253")) {
            _ = try allocator.allocate(for: attachment("late"), requesting: [], in: store)
        }
    }
}
