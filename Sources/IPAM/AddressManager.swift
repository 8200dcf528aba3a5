import CNIProtocol

/// What the bridge plugin needs from IPAM, whichever implementation serves the network: the
/// built-in ``HostLocalIPAM`` or a ``DelegatedIPAM`` plugin binary.
public protocol AddressManager {
    /// Reserves addresses for `attachment` (ADD) and describes them as a result with `ips`,
    /// `routes` and `dns`; `ips[].interface` is left for the caller to fill.
    func allocate(for attachment: Attachment) throws -> CNIResult

    /// ``allocate(for:)``, also naming the addresses handed out for the first time on this node,
    /// which ADD need not announce to neighbours. By default none are.
    func allocateNotingFirstUse(for attachment: Attachment) throws -> AddressAllocation

    /// Frees whatever `attachment` holds (DEL). Needs no network namespace; succeeds when there
    /// is nothing to free, so it can be repeated.
    func release(for attachment: Attachment) throws

    /// The addresses `attachment` holds (for CHECK and for cleaning firewall state).
    func addresses(of attachment: Attachment) throws -> [IPAddress]

    /// CHECK: fails unless `attachment` holds a reservation, and, when `expected` is not empty,
    /// unless it holds exactly those addresses (the ones in `prevResult`).
    func check(_ attachment: Attachment, expected: [IPAddress]) throws

    /// STATUS: fails with code 50 when ADD could not be served (pool exhausted, store unwritable).
    func status() throws

    /// GC: frees reservations of attachments that are not in `valid` and not alive. See
    /// ``HostLocalIPAM/garbageCollect(valid:isAttachmentAlive:)`` for the `nil` case.
    func garbageCollect(valid: [Attachment]?, isAttachmentAlive: (Attachment) -> Bool) throws
}

extension AddressManager {
    /// A manager that keeps no history (a delegated plugin): every address may be a reused one.
    public func allocateNotingFirstUse(for attachment: Attachment) throws -> AddressAllocation {
        AddressAllocation(result: try allocate(for: attachment))
    }
}

/// The address manager a request's `ipam` object asks for.
///
/// - Returns: `nil` when there is no `ipam` object or its `type` is empty (an L2-only network);
///   ``HostLocalIPAM`` for the built-in types `host-local` and `nsbridge`; otherwise a
///   ``DelegatedIPAM`` that runs the plugin of that name from `CNI_PATH`.
/// - Throws: ``IPAMError/invalidConfiguration(_:)`` (code 7) for a malformed `ipam` object or a
///   `type` that is not a plain file name.
public func makeAddressManager(for request: PluginRequest) throws -> (any AddressManager)? {
    guard let ipam = request.configuration.ipam else { return nil }
    let type: String?
    do { type = try JSONFields(ipam, at: "ipam").string("type") } catch { throw IPAMError.invalidConfiguration(error.message) }
    switch type ?? "" {
    case "":
        return nil
    case "host-local", "nsbridge":
        return HostLocalIPAM(configuration: try IPAMConfiguration(request: request))
    default:
        return try DelegatedIPAM(request: request)
    }
}
