import CNIProtocol

/// The built-in IPAM: `host-local` semantics and on-disk format, without its O(n) ADD, with
/// STATUS and GC.
///
/// Each operation opens the network's store and holds its lock only around the store update,
/// never across the caller's kernel work.
public struct HostLocalIPAM: AddressManager {
    public let configuration: IPAMConfiguration
    let makeStore: () throws -> any LeaseStore

    /// Uses a ``FileLeaseStore`` under `configuration.dataDirectory`.
    public init(configuration: IPAMConfiguration) {
        self.configuration = configuration
        makeStore = {
            try FileLeaseStore(dataDirectory: configuration.dataDirectory, network: configuration.networkName)
        }
    }

    /// Uses `store` (tests pass an in-memory one).
    public init(configuration: IPAMConfiguration, store: any LeaseStore) {
        self.configuration = configuration
        makeStore = { store }
    }

    /// - Throws: ``IPAMError``: code 7 for bad configuration or an unreadable `resolvConf`,
    ///   120–122 for allocation failures, 5 for store failures.
    public func allocate(for attachment: Attachment) throws -> CNIResult {
        try allocateNotingFirstUse(for: attachment).result
    }

    /// Reports the addresses the walk took above the range set's high-water mark
    /// (``FirstUseFrontier``).
    public func allocateNotingFirstUse(for attachment: Attachment) throws -> AddressAllocation {
        try InvocationPhases.measure(.ipam) { try allocateUnmeasured(for: attachment) }
    }

    private func allocateUnmeasured(for attachment: Attachment) throws -> AddressAllocation {
        let dns = try configuration.resolvConfPath.map(ResolvConf.load) ?? DNS()
        let store = try makeStore()
        let (ips, firstUse) = try IPAllocator(rangeSets: configuration.rangeSets)
            .allocateNotingFirstUse(for: attachment, requesting: configuration.requestedAddresses, in: store)
        return AddressAllocation(result: CNIResult(ips: ips, routes: configuration.routes, dns: dns), firstUse: firstUse)
    }

    public func release(for attachment: Attachment) throws {
        try InvocationPhases.measure(.ipam) {
            let store = try makeStore()
            _ = try store.withLock { try store.releaseAll(of: attachment) }
        }
    }

    public func addresses(of attachment: Attachment) throws -> [IPAddress] {
        try InvocationPhases.measure(.ipam) {
            let store = try makeStore()
            return try store.withLock { try store.addresses(of: attachment) }
        }
    }

    /// - Throws: ``IPAMError/checkFailed(_:)`` (code 123) naming what is missing or different.
    public func check(_ attachment: Attachment, expected: [IPAddress]) throws {
        let held = try addresses(of: attachment)
        guard !held.isEmpty else {
            throw IPAMError.checkFailed("no IP address is reserved for \(attachment) in network \(configuration.networkName)")
        }
        guard expected.isEmpty || Set(held) == Set(expected) else {
            let heldText = held.map(\.description).joined(separator: ", ")
            let expectedText = expected.map(\.description).joined(separator: ", ")
            throw IPAMError.checkFailed("\(attachment) holds [\(heldText)] but prevResult lists [\(expectedText)]")
        }
    }

    /// Ready when the store is writable and every range set has a free address.
    /// - Throws: ``IPAMError/notAvailable(_:)`` (code 50) saying which condition failed.
    public func status() throws {
        let location = "\(configuration.dataDirectory)/\(configuration.networkName)"
        let notWritable = { (error: any Error) in IPAMError.notAvailable("IPAM data directory \(location) is not writable: \(error)") }
        let store: any LeaseStore
        do { store = try makeStore() } catch { throw notWritable(error) }
        // Under the lock, like every scratch file, so concurrent STATUS calls cannot collide.
        let reserved = try store.withLock { () throws -> [IPAddress] in
            do { try store.probeWritable() } catch { throw notWritable(error) }
            return try store.reservedAddresses()
        }
        for set in configuration.rangeSets {
            let used = reserved.reduce(UInt128(0)) { count, address in
                guard let range = set.range(containing: address), address != range.gateway else { return count }
                return count + 1
            }
            if used >= set.capacity {
                throw IPAMError.notAvailable("no IP addresses available in range set \(set): all \(set.capacity) are reserved")
            }
        }
    }
}
