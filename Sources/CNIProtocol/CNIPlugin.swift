/// What a plugin implements. ``PluginRunner`` validates the environment and configuration,
/// calls one of these, prints the outcome and maps errors to CNI codes.
///
/// Every method is synchronous on purpose: `setns` binds only the calling thread, and Swift
/// concurrency may resume work on another thread.
public protocol CNIPlugin {
    func add(_ request: PluginRequest) throws -> CNIResult
    func delete(_ request: PluginRequest) throws
    func check(_ request: PluginRequest) throws
    func status(_ request: PluginRequest) throws
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
