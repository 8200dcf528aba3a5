#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol
import LinuxSupport

/// An IPAM plugin other than the built-in one, run as a child process the way the reference
/// `invoke` package does: found by its `type` in `CNI_PATH`, given our `CNI_*` variables with
/// `CNI_COMMAND` set to the verb, and the runtime's stdin unchanged.
///
/// ADD, DEL, CHECK, STATUS and GC are all forwarded (the spec requires forwarding STATUS and GC
/// to the plugins we delegate to). An error object the delegate prints is passed through as the
/// same ``CNIError``. The `type` must be a plain file name: a `type` such as `../../tmp/x` would
/// otherwise run any binary on the host (CVE-2021-20206).
public struct DelegatedIPAM: AddressManager {
    /// The plugin's file name, from `ipam.type`.
    public let type: String
    public let request: PluginRequest
    /// Environment entries (`KEY=VALUE`) passed on besides the `CNI_*` ones.
    let inheritedEnvironment: [String]

    /// - Parameters:
    ///   - request: the request being served; its `ipam.type`, `CNI_PATH` and stdin are used.
    ///   - environment: our environment, `KEY=VALUE`; the current process's by default.
    /// - Throws: ``IPAMError/invalidConfiguration(_:)`` when `ipam.type` is missing or not a plain
    ///   file name.
    public init(request: PluginRequest, environment: [String]? = nil) throws(IPAMError) {
        guard let type = request.configuration.ipam?.member("type")?.stringValue, !type.isEmpty else {
            throw .invalidConfiguration("\"ipam.type\" is missing")
        }
        guard type != ".", type != "..", !type.contains("/"), !type.utf8.contains(0) else {
            throw .invalidConfiguration("\"ipam.type\" \"\(type)\" must be a plain plugin name, not a path")
        }
        self.type = type
        self.request = request
        self.inheritedEnvironment = (environment ?? Self.currentEnvironment()).filter { entry in
            !Self.cniVariables.contains { entry.hasPrefix($0 + "=") }
        }
    }

    static let cniVariables = ["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"]

    public func allocate(for attachment: Attachment) throws -> CNIResult {
        let output = try run(.add, attachment)
        let document: JSONValue
        do { document = try JSONValue(parsing: output) } catch {
            throw CNIError(.decodingFailure, "IPAM plugin \(type) printed an invalid result", details: error.description)
        }
        do {
            // The delegate may answer in any version; without its own cniVersion, assume ours.
            return try CNIResult(parsing: document, defaultVersion: request.configuration.cniVersion)
        } catch {
            throw CNIError(.decodingFailure, "IPAM plugin \(type) printed an invalid result", details: error.message)
        }
    }

    public func release(for attachment: Attachment) throws { _ = try run(.delete, attachment) }

    /// The addresses in `prevResult`: a delegated plugin cannot be asked for them.
    public func addresses(of attachment: Attachment) throws -> [IPAddress] {
        (request.configuration.prevResult?.ips ?? []).map(\.address.address)
    }

    /// Forwards CHECK; the delegate compares with `prevResult` itself, so `expected` is unused.
    public func check(_ attachment: Attachment, expected: [IPAddress]) throws { _ = try run(.check, attachment) }

    public func status() throws { _ = try run(.status, nil) }

    /// Forwards GC; the delegate reads the valid attachments from stdin, so the arguments are unused.
    public func garbageCollect(valid: [Attachment]?, isAttachmentAlive: (Attachment) -> Bool) throws {
        _ = try run(.garbageCollect, nil)
    }

    /// Runs the delegate for `command`; returns its stdout when it exits 0.
    /// - Throws: the delegate's own ``CNIError``, ``IPAMError/pluginNotFound(type:searched:)``, or
    ///   a code 999 error when it fails without printing an error object.
    func run(_ command: CNICommand, _ attachment: Attachment?) throws -> [UInt8] {
        let executable = try locate()
        let outcome: ChildProcess.Outcome
        do {
            outcome = try InvocationPhases.measure(.ipam) { () throws(SystemError) in
                try ChildProcess.run(executable, arguments: [executable], environment: environment(command, attachment),
                                     input: request.stdin)
            }
        } catch {
            throw CNIError(.internal, "could not run IPAM plugin \(executable)", details: error.description)
        }
        guard outcome.exitStatus != 0 else { return outcome.standardOutput }
        throw Self.error(from: outcome, plugin: type)
    }

    private func locate() throws(IPAMError) -> String {
        let directories = request.searchPath.filter { !$0.isEmpty }
        for directory in directories {
            let candidate = directory.hasSuffix("/") ? directory + type : directory + "/" + type
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw .pluginNotFound(type: type, searched: directories)
    }

    func environment(_ command: CNICommand, _ attachment: Attachment?) -> [String] {
        var variables = ["CNI_COMMAND=\(command.rawValue)"]
        let containerID = attachment?.containerID ?? request.containerID
        let ifName = attachment?.ifName ?? request.ifName
        if command != .status, command != .garbageCollect {
            if !containerID.isEmpty { variables.append("CNI_CONTAINERID=\(containerID)") }
            if !request.netns.isEmpty { variables.append("CNI_NETNS=\(request.netns)") }
            if !ifName.isEmpty { variables.append("CNI_IFNAME=\(ifName)") }
            let arguments = request.arguments.pairs.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
            if !arguments.isEmpty { variables.append("CNI_ARGS=\(arguments)") }
        }
        variables.append("CNI_PATH=\(request.searchPath.joined(separator: ":"))")
        return inheritedEnvironment + variables
    }

    static func error(from outcome: ChildProcess.Outcome, plugin: String) -> CNIError {
        if let document = try? JSONValue(parsing: outcome.standardOutput), let code = document["code"]?.integerValue,
            code >= 0
        {
            return CNIError(CNIError.Code(rawValue: UInt(code)), document["msg"]?.stringValue ?? "IPAM plugin \(plugin) failed",
                            details: document["details"]?.stringValue ?? "")
        }
        let text = String(decoding: outcome.standardOutput, as: UTF8.self)
        return CNIError(.internal, "IPAM plugin \(plugin) failed with exit status \(outcome.exitStatus)", details: text)
    }

    static func currentEnvironment() -> [String] {
        var entries: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            entries.append(String(cString: entry))
            cursor += 1
        }
        return entries
    }
}
