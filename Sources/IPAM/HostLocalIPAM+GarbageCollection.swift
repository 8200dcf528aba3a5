import CNIProtocol

extension HostLocalIPAM {
    /// GC: frees the reservations of attachments that are gone, and the leftovers of interrupted
    /// writers.
    ///
    /// A reservation is **kept** when its attachment is alive (`isAttachmentAlive`, for the
    /// bridge plugin "its host veth still exists") — always, so that a second runtime sharing the
    /// network (cni#1086) or a stale list can never take an address from a running container.
    /// Otherwise:
    /// - `valid` is a list (the runtime sent `cni.dev/valid-attachments`, possibly empty): the
    ///   list is authoritative. Listed attachments are kept even if they look dead (a stopped
    ///   container keeping its address); all others are freed. A legacy record holding only a
    ///   container ID is kept when that ID appears in the list and freed otherwise.
    /// - `valid` is `nil` (the key was absent, as from `cnitool gc`): there is no list to trust,
    ///   so only what is provably dead is freed: records naming an attachment that is not alive.
    ///   Legacy container-ID-only records are kept, since without an interface name nothing can
    ///   prove them dead.
    ///
    /// Empty or unreadable records and scratch files are always freed. The walk never stops at a
    /// failure; all failures are reported together at the end.
    /// - Throws: ``IPAMError/several(summary:_:)`` listing each failure, or a store error if the
    ///   store cannot be opened or listed at all.
    public func garbageCollect(valid: [Attachment]?, isAttachmentAlive: (Attachment) -> Bool) throws {
        let store = try makeStore()
        let validAttachments = valid.map { Set($0) }
        let validIDs = valid.map { Set($0.map(\.containerID)) }
        var failures: [String] = []
        try store.withLock {
            for lease in try store.leases() {
                guard Self.isStale(lease.owner, validAttachments, validIDs, isAttachmentAlive) else { continue }
                do { try store.remove(lease.address) } catch { failures.append("\(lease.address): \(error)") }
            }
            failures += store.removeGarbage()
        }
        if !failures.isEmpty {
            throw IPAMError.several(summary: "GC could not free every stale reservation in network \(configuration.networkName)", failures)
        }
    }

    static func isStale(_ owner: LeaseOwner, _ valid: Set<Attachment>?, _ validIDs: Set<String>?,
                        _ isAlive: (Attachment) -> Bool) -> Bool
    {
        switch owner {
        case .unknown:
            return true
        case .containerOnly(let id):
            guard let validIDs else { return false }
            return !validIDs.contains(id)
        case .attachment(let attachment):
            if valid?.contains(attachment) == true { return false }
            return !isAlive(attachment)
        }
    }
}
