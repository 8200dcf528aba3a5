import CNIProtocol

extension HostLocalIPAM {
    /// Every attachment that holds at least one address on this network. Legacy records that
    /// name only a container ID are left out, since they do not say which interface.
    ///
    /// The bridge plugin's GC keeps the firewall state of exactly these (plus the valid list),
    /// after IPAM has freed what was stale.
    public func attachmentsHoldingAddresses() throws -> Set<Attachment> {
        let store = try makeStore()
        return try store.withLock {
            Set(try store.leases().compactMap { lease -> Attachment? in
                if case .attachment(let attachment) = lease.owner { return attachment }
                return nil
            })
        }
    }
}
