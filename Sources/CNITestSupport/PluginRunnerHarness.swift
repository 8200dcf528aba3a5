import CNIProtocol

/// A ``CNIPlugin`` that records every request and answers with canned values, for testing the
/// dispatcher (like the recording fake command in the reference skel's tests).
public final class RecordingPlugin: CNIPlugin {
    /// Every request received, in order.
    public private(set) var requests: [PluginRequest] = []
    /// What ADD returns.
    public var addResult: CNIResult
    /// Thrown by every verb when set.
    public var failure: (any Error)?

    public init(addResult: CNIResult = CNIResult(), failure: (any Error)? = nil) {
        self.addResult = addResult
        self.failure = failure
    }

    public var commands: [CNICommand] { requests.map(\.command) }

    private func record(_ request: PluginRequest) throws {
        requests.append(request)
        if let failure { throw failure }
    }

    public func add(_ request: PluginRequest) throws -> CNIResult {
        try record(request)
        return addResult
    }

    public func delete(_ request: PluginRequest) throws { try record(request) }
    public func check(_ request: PluginRequest) throws { try record(request) }
    public func status(_ request: PluginRequest) throws { try record(request) }
    public func garbageCollect(_ request: PluginRequest) throws { try record(request) }
}

/// What one in-process run of ``PluginRunner`` produced.
public struct PluginRunOutcome: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// How many times the runner asked for stdin.
    public var stdinReads: Int

    /// stdout parsed as one JSON document, or `nil` when empty or not JSON.
    public var json: JSONValue? { try? JSONValue(parsing: stdout) }
}

/// Runs ``PluginRunner`` with an environment and stdin given as values and captures its output.
/// - Parameters:
///   - stdinFailure: when set, reading stdin throws it instead of returning `stdin`.
public func runPlugin(_ plugin: some CNIPlugin, environment: [String: String], stdin: String = "",
                      stdinFailure: (any Error & Sendable)? = nil) -> PluginRunOutcome {
    let capture = RunCapture()
    let runner = PluginRunner(
        environment: environment,
        readStdin: {
            capture.reads += 1
            if let stdinFailure { throw stdinFailure }
            return Array(stdin.utf8)
        },
        writeStdout: { capture.stdout += $0 },
        writeStderr: { capture.stderr += $0 }
    )
    let status = runner.run(plugin)
    return PluginRunOutcome(status: status, stdout: capture.stdout, stderr: capture.stderr, stdinReads: capture.reads)
}

/// The runner's output, collected by the closures `runPlugin` hands it.
private final class RunCapture {
    var stdout = ""
    var stderr = ""
    var reads = 0
}
