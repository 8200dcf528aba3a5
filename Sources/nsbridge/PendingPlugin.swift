import CNIProtocol

/// PLACEHOLDER, to be deleted when the real BridgePlugin is wired into main.swift.
///
/// Every verb fails honestly with code 50 ("plugin not available") instead of pretending to
/// succeed, so nothing can mistake this build for a working plugin.
struct PendingPlugin: CNIPlugin {
    private var notImplemented: CNIError {
        CNIError(.pluginNotAvailable, "not implemented yet", details: "this nsbridge build has no bridge plugin wired in")
    }

    func add(_ request: PluginRequest) throws -> CNIResult { throw notImplemented }
    func delete(_ request: PluginRequest) throws { throw notImplemented }
    func check(_ request: PluginRequest) throws { throw notImplemented }
    func status(_ request: PluginRequest) throws { throw notImplemented }
    func garbageCollect(_ request: PluginRequest) throws { throw notImplemented }
}
