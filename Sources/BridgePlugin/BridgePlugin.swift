import CNIProtocol

/// The nsbridge plugin: a Linux bridge, a veth pair per attachment, built-in IPAM, nftables
/// masquerade.
///
/// State and idempotency:
/// - Nothing is recorded in a state file. The host end of the veth pair is named from
///   (container ID, ifname) (``BridgeNaming/hostVethName(for:)``), addresses are recorded by the
///   IPAM store under the same key, and firewall state is tagged with it. DEL, CHECK and GC
///   therefore find everything an attachment owns without its namespace or `prevResult`.
/// - ADD registers an undo for every step; a failed ADD removes the links, the reservation, the
///   firewall state, and the bridge if this ADD created it and nothing else uses it.
/// - DEL is idempotent: every missing piece counts as removed, and it keeps going past failures.
/// - The bridge is created on demand and, like the reference plugin's, never deleted by DEL,
///   since other attachments, or the operator, may use it.
///
/// Threads: the plugin is synchronous. Container-side work happens through sockets opened
/// inside the namespace, or on dedicated threads (`LinuxSupport`), never by moving this thread.
public struct BridgePlugin: CNIPlugin {
    let dependencies: BridgeDependencies
    let log: (String) -> Void

    public init(dependencies: BridgeDependencies, log: @escaping (String) -> Void = logToStderr) {
        self.dependencies = dependencies
        self.log = log
    }

    public func add(_ request: PluginRequest) throws -> CNIResult {
        let configuration = try BridgeConfiguration(request)
        var rollback = Rollback()
        do {
            var attach = AttachOperation(request: request, configuration: configuration, dependencies: dependencies)
            return try attach.run(registeringUndosIn: &rollback)
        } catch {
            rollback.run(log: log)
            throw error
        }
    }

    public func delete(_ request: PluginRequest) throws {
        let configuration = try BridgeConfiguration(request)
        try DetachOperation(request: request, configuration: configuration, dependencies: dependencies).run()
    }

    public func check(_ request: PluginRequest) throws {
        let configuration = try BridgeConfiguration(request)
        try CheckOperation(request: request, configuration: configuration, dependencies: dependencies).run()
    }

    /// Ready unless the address pool cannot serve another ADD, or the network needs nftables and
    /// the kernel's nftables cannot be used (code 50).
    public func status(_ request: PluginRequest) throws {
        let configuration = try BridgeConfiguration(request)
        try dependencies.addressManager(for: request)?.status()
        guard configuration.ipMasq || configuration.macSpoofCheck || configuration.portMappings.enabled else { return }
        do {
            try dependencies.firewall().probe()
        } catch {
            throw CNIError(.pluginNotAvailable, "nftables cannot be used, so masquerade cannot be set up",
                           details: "\(error)")
        }
    }

    /// Frees what belongs to attachments that are not valid any more: reservations, masquerade
    /// and spoof-check state. An attachment whose host veth still exists is never touched, so a
    /// runtime that lists too little cannot cut a live container off.
    public func garbageCollect(_ request: PluginRequest) throws {
        let configuration = try BridgeConfiguration(request)
        try GarbageCollectOperation(request: request, configuration: configuration, dependencies: dependencies).run()
    }
}
