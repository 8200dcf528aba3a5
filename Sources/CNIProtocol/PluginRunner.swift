/// The dispatcher between the runtime and a ``CNIPlugin`` (the reference library's "skel").
///
/// It is the only code that writes to stdout, and it writes exactly one JSON document for every
/// outcome that has one: the ADD result, the VERSION report, or an error object. DEL, CHECK,
/// STATUS and GC print nothing on success. Logs go to stderr. The process's I/O is injected as
/// closures, so tests drive it with dictionaries and buffers.
///
/// Order of checks, so that the cheapest, most specific error wins:
/// 1. no `CNI_COMMAND`: print the "about" line to stderr and succeed (as the reference does);
/// 2. unknown verb or missing/invalid `CNI_*` variables: code 4 naming every one;
/// 3. VERSION: print the version report without reading stdin;
/// 4. stdin unreadable or over ``maximumConfigurationSize``: code 5; not JSON: 6; `cniVersion` unsupported: 1; `name` invalid: 7;
///    verb newer than the configuration's version (CHECK < 0.4.0, STATUS/GC < 1.1.0): 1;
///    CHECK without `prevResult`: 7;
/// 5. the plugin's own errors, mapped by ``cniError(from:)``.
public struct PluginRunner {
    /// nsbridge's own release, shown in the "about" line.
    public static let pluginVersion = "0.1.0"

    /// The most stdin a configuration may take, in bytes. Real ones are a few kilobytes.
    public static let maximumConfigurationSize = 4 << 20

    /// The line printed to stderr when `CNI_COMMAND` is not set.
    public static var aboutLine: String {
        "nsbridge: CNI bridge plugin \(pluginVersion), supports CNI spec \(CNIVersion.supportedList)"
    }

    private let environment: [String: String]
    private let readStdin: () throws -> [UInt8]
    private let writeStdout: (String) -> Void
    private let writeStderr: (String) -> Void

    /// - Parameters:
    ///   - environment: the process environment (only `CNI_*` entries are read).
    ///   - readStdin: returns stdin; called at most once, and never for VERSION. It need not read
    ///     more than ``maximumConfigurationSize`` + 1 bytes: anything longer is refused.
    ///   - writeStdout: receives the single JSON document, newline-terminated.
    ///   - writeStderr: receives log lines, newline-terminated.
    public init(environment: [String: String], readStdin: @escaping () throws -> [UInt8],
                writeStdout: @escaping (String) -> Void, writeStderr: @escaping (String) -> Void) {
        self.environment = environment
        self.readStdin = readStdin
        self.writeStdout = writeStdout
        self.writeStderr = writeStderr
    }

    /// Runs one invocation and returns the process exit status: 0 on success, 1 on any error.
    public func run(_ plugin: some CNIPlugin) -> Int32 {
        guard let verb = environment[PluginEnvironment.Variable.command.rawValue], !verb.isEmpty else {
            writeStderr(Self.aboutLine + "\n")
            return 0
        }
        var reportVersion = CNIVersion.current.description
        let env: PluginEnvironment
        do throws(CNIError) {
            env = try PluginEnvironment(parsing: environment)
        } catch {
            // The runtime reads our error in the version it configured, so use that version when
            // stdin holds a readable configuration, as it does after the variables were checked.
            if verb != CNICommand.version.rawValue, let configured = configuredVersion() { reportVersion = configured }
            return fail(verb, error, reportVersion)
        }
        do throws(CNIError) {
            if env.command == .version {
                writeStdout(CNIVersion.versionInfo.serialized() + "\n")
                return 0
            }
            let request = try makeRequest(env, reportVersion: &reportVersion)
            try dispatch(request, to: plugin)
            return 0
        } catch {
            return fail(verb, error, reportVersion)
        }
    }

    private func fail(_ verb: String, _ error: CNIError, _ reportVersion: String) -> Int32 {
        writeStderr("nsbridge: \(verb) failed: \(error)\n")
        writeStdout(error.json(cniVersion: reportVersion).serialized() + "\n")
        return 1
    }

    /// The configuration's `cniVersion` when stdin can be read, parsed, and names a supported one.
    private func configuredVersion() -> String? {
        guard let stdin = try? readBoundedStdin(),
            let text = (try? NetworkConfiguration.members(parsing: stdin))?.member("cniVersion")?.stringValue,
            CNIVersion.supported(exactly: text) != nil
        else { return nil }
        return text
    }

    /// All of stdin, refused with code 5 beyond ``maximumConfigurationSize``: a runtime never
    /// sends that much, and the plugin's memory should not grow with whatever it is fed.
    private func readBoundedStdin() throws(CNIError) -> [UInt8] {
        let stdin: [UInt8]
        do {
            stdin = try readStdin()
        } catch {
            throw CNIError(.ioFailure, "failed to read the network configuration from stdin", details: "\(error)")
        }
        guard stdin.count <= Self.maximumConfigurationSize else {
            throw CNIError(
                .ioFailure, "the network configuration on stdin is larger than \(Self.maximumConfigurationSize >> 20) MiB",
                details: "nsbridge reads at most \(Self.maximumConfigurationSize) bytes of configuration")
        }
        return stdin
    }

    /// Reads stdin and decodes the configuration. `reportVersion` becomes the configuration's
    /// version as soon as it is known to be supported, so later errors are reported in it.
    private func makeRequest(_ env: PluginEnvironment, reportVersion: inout String) throws(CNIError) -> PluginRequest {
        let stdin = try readBoundedStdin()
        return try InvocationPhases.measure(.configParse) { () throws(CNIError) in
            try decodeRequest(env, stdin: stdin, reportVersion: &reportVersion)
        }
    }

    private func decodeRequest(_ env: PluginEnvironment, stdin: [UInt8], reportVersion: inout String) throws(CNIError) -> PluginRequest {
        let members = try NetworkConfiguration.members(parsing: stdin)
        if let text = members.member("cniVersion")?.stringValue, CNIVersion.supported(exactly: text) != nil {
            reportVersion = text
        }
        let configuration = try NetworkConfiguration(object: members)
        try configuration.validateName()
        let rule = env.rule
        guard configuration.cniVersion >= rule.minimumVersion else {
            throw CNIError(.incompatibleCNIVersion, "config version \(configuration.cniVersionText) does not allow \(env.command.rawValue)",
                           details: "\(env.command.rawValue) needs cniVersion \(rule.minimumVersion) or newer")
        }
        guard !rule.needsPreviousResult || configuration.prevResult != nil else {
            throw CNIError(.invalidNetworkConfig, "\(env.command.rawValue) requires prevResult in the network configuration")
        }
        return PluginRequest(environment: env, configuration: configuration, stdin: stdin)
    }

    /// Calls the plugin and prints an ADD result in the configuration's version.
    private func dispatch(_ request: PluginRequest, to plugin: some CNIPlugin) throws(CNIError) {
        do {
            switch request.command {
            case .add:
                let result = try plugin.add(request)
                let configuration = request.configuration
                let json = try result.json(for: configuration.cniVersion, versionText: configuration.cniVersionText)
                writeStdout(json.serialized() + "\n")
            case .delete: try plugin.delete(request)
            case .check: try plugin.check(request)
            case .status: try plugin.status(request)
            case .garbageCollect: try plugin.garbageCollect(request)
            case .version: writeStdout(CNIVersion.versionInfo.serialized() + "\n")
            }
        } catch {
            throw Self.cniError(from: error)
        }
    }

    /// The single error mapping: a ``CNIError`` passes through, a ``CNIErrorConvertible`` is
    /// converted, anything else becomes code 999 with its description as the message.
    public static func cniError(from error: any Error) -> CNIError {
        if let convertible = error as? any CNIErrorConvertible { return convertible.cniError }
        return CNIError(.internal, String(describing: error))
    }
}
