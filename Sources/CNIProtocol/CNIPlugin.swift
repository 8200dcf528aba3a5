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
public struct PluginRequest: Sendable {
    public var command: CNICommand
    /// `CNI_CONTAINERID`; empty for STATUS and GC.
    public var containerID: String
    /// `CNI_NETNS`; empty when unset (allowed for DEL).
    public var netns: String
    /// `CNI_IFNAME`; empty for STATUS and GC.
    public var ifName: String
    public var arguments: CNIArguments
    /// `CNI_PATH`, split on `:`.
    public var searchPath: [String]
    public var configuration: NetworkConfiguration
    /// The raw stdin, passed unchanged to delegated plugins.
    public var stdin: [UInt8]

    public init(command: CNICommand, containerID: String = "", netns: String = "", ifName: String = "",
                arguments: CNIArguments = CNIArguments(), searchPath: [String] = [],
                configuration: NetworkConfiguration, stdin: [UInt8] = []) {
        self.command = command
        self.containerID = containerID
        self.netns = netns
        self.ifName = ifName
        self.arguments = arguments
        self.searchPath = searchPath
        self.configuration = configuration
        self.stdin = stdin
    }

    public var attachment: Attachment { Attachment(containerID: containerID, ifName: ifName) }
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
