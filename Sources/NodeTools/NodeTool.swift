import CNIProtocol

/// `nsbridge <command> …`: the operator's tool, in the plugin's own binary. `main` calls it only
/// when the process has arguments and no `CNI_COMMAND`; runtimes pass no arguments.
///
/// Exit status: 0 success (doctor: no error found), 1 a problem was found (`ls` with problems,
/// `doctor` errors, `reclaim`/`repair` that could not finish), 2 a usage error, 3 the
/// configuration or the kernel could not be read.
public enum NodeTool {
    public static func run(arguments: [String], output: ToolOutput) -> Int32 {
        let options: ToolOptions
        do {
            options = try ToolOptions.parse(arguments)
        } catch {
            output.error("nsbridge: \(error)\n\n" + Usage.summary)
            return ExitStatus.usage
        }
        if options.command == .help {
            output.print(options.help ? PluginRunner.aboutLine + "\n" : Usage.summary)
            return ExitStatus.ok
        }
        if options.help {
            output.print(Usage.text(for: options.command))
            return ExitStatus.ok
        }
        do {
            switch options.command {
            case .ls: return try ListCommand(options: options, output: output).run()
            case .doctor: return try DoctorCommand(options: options, output: output).run()
            case .reclaim: return try ReclaimCommand(options: options, output: output).run()
            case .repair: return try RepairCommand(options: options, output: output).run()
            case .help: return ExitStatus.ok
            }
        } catch {
            output.error("nsbridge \(options.command.rawValue): \(error)\n")
            return ExitStatus.failure
        }
    }
}

enum ExitStatus {
    static let ok: Int32 = 0
    static let problems: Int32 = 1
    static let usage: Int32 = 2
    static let failure: Int32 = 3
}

/// Where the tool writes: results to stdout, diagnostics to stderr.
public struct ToolOutput {
    public var print: (String) -> Void
    public var error: (String) -> Void

    public init(print: @escaping (String) -> Void, error: @escaping (String) -> Void) {
        self.print = print
        self.error = error
    }
}
