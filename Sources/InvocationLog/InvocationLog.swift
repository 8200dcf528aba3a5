import CNIProtocol

#if canImport(Glibc)
import Glibc
#endif

/// The invocation log: one JSON object per line for every plugin invocation, appended to the
/// file that `logFile` or `NSBRIDGE_LOG_FILE` names (see ``LogSettings``).
///
/// The executable hands it what passes through the runner (stdin, stdout, the exit status), so
/// the runner and the plugin know nothing of it. It costs nothing when off: without the
/// environment variable, a configuration that does not contain the key `logFile` is never
/// parsed a second time, no observer is installed, and nothing is recorded. It never writes to
/// stdout; a log that cannot be written is reported on stderr and does not change the result.
public final class InvocationLog {
    private let environment: [String: String]
    private let startedAt = MonotonicClock.nanoseconds()
    private var settings: LogSettings?
    private var members: [String: JSONValue] = [:]
    private var phases: PhaseTotals?
    private var output = ""
    private let writeStderr: (String) -> Void

    /// Environment override of the rotation size, mostly for tests: bytes.
    public static let maximumBytesVariable = "NSBRIDGE_LOG_MAX_BYTES"
    public static let defaultMaximumBytes = 10 << 20

    public init(environment: [String: String], writeStderr: @escaping (String) -> Void) {
        self.environment = environment
        self.writeStderr = writeStderr
    }

    /// Called with stdin as soon as the runner has read it; decides whether the log is on and,
    /// if so, starts timing phases (configuration parsing comes next).
    public func sawInput(_ stdin: [UInt8]) {
        let fromEnvironment = !(environment[LogSettings.environmentVariable] ?? "").isEmpty
        guard fromEnvironment || LogSettings.mayEnable(stdin) else { return }
        members = (try? NetworkConfiguration.members(parsing: stdin)) ?? [:]
        let settings = (try? LogSettings(configuration: members, environment: environment))
            ?? (fromEnvironment ? try? LogSettings(configuration: [:], environment: environment) : nil)
        guard let settings, settings.path != nil else { return }
        self.settings = settings
        let totals = PhaseTotals()
        phases = totals
        InvocationPhases.observer = totals
    }

    /// Called with what the runner prints on stdout (the result or the error object).
    public func sawOutput(_ text: String) {
        if settings != nil { output += text }
    }

    /// Writes the invocation's line, if the log is on and the level asks for it.
    public func finish(exitStatus: Int32) {
        // Failures before stdin is read (bad CNI_* variables) are logged when the environment asks.
        let settings = self.settings ?? (try? LogSettings(configuration: [:], environment: environment))
        guard let settings, let path = settings.path else { return }
        InvocationPhases.observer = nil
        let outcome = (try? NetworkConfiguration.members(parsing: Array(output.utf8))) ?? [:]
        let failed = exitStatus != 0
        guard failed || settings.level >= .info else { return }
        let record = LogRecord(environment: environment, configuration: members, outcome: outcome, failed: failed,
                               durationMs: MonotonicClock.milliseconds(MonotonicClock.nanoseconds() &- startedAt),
                               phases: phases?.snapshot(), level: settings.level)
        let maximum = environment[Self.maximumBytesVariable].flatMap { Int($0) } ?? Self.defaultMaximumBytes
        if !LogFile(path: path, maximumBytes: maximum).append(record.json.serialized() + "\n") {
            writeStderr("nsbridge: cannot append to log file \(path): \(String(cString: strerror(errno)))\n")
        }
    }
}
