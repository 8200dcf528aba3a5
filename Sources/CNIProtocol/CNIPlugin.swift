/// What a plugin implements. ``PluginRunner`` validates the environment and configuration,
/// calls one of these, prints the outcome and maps errors to CNI codes.
///
/// Every method is synchronous on purpose: `setns` binds only the calling thread, and Swift
/// concurrency may resume work on another thread.
///
/// Errors may be of any type: ``PluginRunner/cniError(from:)`` passes a ``CNIError`` through,
/// converts a ``CNIErrorConvertible``, and reports anything else as code 999. VERSION never
/// reaches the plugin.
public protocol CNIPlugin {
    /// ADD: attach the container. The runner prints the result in the configuration's version.
    func add(_ request: PluginRequest) throws -> CNIResult
    /// DEL: detach; must succeed when things are already gone, and without `CNI_NETNS` or
    /// `prevResult`.
    func delete(_ request: PluginRequest) throws
    /// CHECK (config ≥ 0.4.0): verify what `prevResult` describes is still in place.
    func check(_ request: PluginRequest) throws
    /// STATUS (config ≥ 1.1.0): throw code 50/51 when ADD cannot be served.
    func status(_ request: PluginRequest) throws
    /// GC (config ≥ 1.1.0): release what belongs to attachments not in
    /// `configuration.validAttachments`.
    func garbageCollect(_ request: PluginRequest) throws
}

/// One invocation: the validated `CNI_*` variables and the decoded configuration.
///
/// The variables are the runner's ``PluginEnvironment`` itself, not a copy of its fields; they
/// read as the request's own (`request.netns`, `request.containerID`) through dynamic member
/// lookup.
@dynamicMemberLookup
public struct PluginRequest: Sendable {
    public var environment: PluginEnvironment
    public var configuration: NetworkConfiguration
    /// The raw stdin, passed unchanged to delegated plugins.
    public var stdin: [UInt8]

    public init(environment: PluginEnvironment, configuration: NetworkConfiguration, stdin: [UInt8] = []) {
        self.environment = environment
        self.configuration = configuration
        self.stdin = stdin
    }

    /// A variable of ``environment``, such as `request.ifName`.
    public subscript<Value>(dynamicMember variable: WritableKeyPath<PluginEnvironment, Value>) -> Value {
        get { environment[keyPath: variable] }
        set { environment[keyPath: variable] = newValue }
    }

    public var attachment: Attachment { Attachment(containerID: environment.containerID, ifName: environment.ifName) }
}

/// The `CNI_COMMAND` verbs.
public enum CNICommand: String, Sendable, CaseIterable {
    case add = "ADD"
    case delete = "DEL"
    case check = "CHECK"
    case version = "VERSION"
    case status = "STATUS"
    case garbageCollect = "GC"
}
