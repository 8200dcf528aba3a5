#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol
import LinuxSupport
import Synchronization

/// Held while pipes are made and a child spawned: `pipe2` is hidden behind `_GNU_SOURCE`, so
/// close-on-exec is set just after `pipe`, and a concurrent spawn in between would leak our pipe
/// ends into its child (delaying our child's end of file on stdin).
private let spawnLock = Mutex(())

/// Runs an executable as a container runtime would: a given environment (nothing inherited),
/// bytes on stdin, stdout and stderr captured separately.
///
/// Uses `posix_spawn` and a `poll` loop so a child that writes a lot while we are still feeding
/// its stdin cannot deadlock the test, and a child that exits without reading stdin is fine.
public enum PluginProcess {
    /// How a run ended and what it printed.
    public struct Outcome: Sendable, CustomStringConvertible {
        /// The exit status, or 128 + the signal number when the child was killed.
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]

        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
        /// stdout parsed as exactly one JSON document; `nil` when empty or anything else.
        public var json: JSONValue? { try? JSONValue(parsing: stdout) }

        public var description: String {
            "status \(status)\nstdout: \(stdoutText)\nstderr: \(stderrText)"
        }
    }

    /// The directory holding the test bundle, which is also where SwiftPM puts the built
    /// executables (`.build/<triple>/debug`).
    public static var builtProductsDirectory: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return "." }
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// The path of a built executable next to the test bundle; `NSBRIDGE_BINARY` overrides it
    /// for `name == "nsbridge"` (e.g. to test the release build).
    public static func builtProduct(named name: String) -> String {
        if name == "nsbridge", let override = getenv("NSBRIDGE_BINARY") {
            return String(cString: override)
        }
        return builtProductsDirectory + "/" + name
    }

    /// Runs `executable` to completion.
    /// - Parameters:
    ///   - arguments: argv after argv[0].
    ///   - argumentZero: argv[0]; `executable` when `nil`.
    ///   - environment: the child's whole environment.
    ///   - stdin: written to the child's stdin, which is then closed.
    ///   - timeoutSeconds: the child is killed (SIGKILL) after this long.
    /// - Throws: `SystemError` when a pipe cannot be made or the spawn fails.
    public static func run(_ executable: String, arguments: [String] = [], argumentZero: String? = nil,
                           environment: [String: String], stdin: [UInt8] = [], timeoutSeconds: Int = 30) throws -> Outcome {
        // A child that exits before reading stdin must give us EPIPE, not kill the test process.
        signal(SIGPIPE, SIG_IGN)
        let (pipes, pid) = try spawnLock.withLock { _ throws(SystemError) in
            let pipes = try (makePipe(), makePipe(), makePipe())
            do throws(SystemError) {
                let argv = [argumentZero ?? executable] + arguments
                let pid = try spawn(executable, argv: argv, environment: environment,
                                    stdin: pipes.0.read, stdout: pipes.1.write, stderr: pipes.2.write)
                return (pipes, pid)
            } catch {
                for descriptor in [pipes.0.read, pipes.0.write, pipes.1.read, pipes.1.write, pipes.2.read, pipes.2.write] {
                    close(descriptor)
                }
                throw error
            }
        }
        close(pipes.0.read)
        close(pipes.1.write)
        close(pipes.2.write)
        var streams = Streams(stdin: pipes.0.write, stdout: pipes.1.read, stderr: pipes.2.read, input: stdin)
        let finished = streams.pump(timeoutMilliseconds: timeoutSeconds * 1000)
        if !finished { kill(pid, SIGKILL) }
        streams.closeAll()
        return Outcome(status: waitForExit(pid), stdout: streams.output, stderr: streams.errors)
    }

    /// A close-on-exec pipe; call with `spawnLock` held.
    private static func makePipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else { throw SystemError.current("pipe") }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return (descriptors[0], descriptors[1])
    }

    private static func spawn(_ executable: String, argv arguments: [String], environment: [String: String],
                              stdin: Int32, stdout: Int32, stderr: Int32) throws(SystemError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies, so only 0, 1 and 2 reach the child.
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw SystemError("posix_spawn \(executable)", errno: result) }
        return pid
    }

    private static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return -1 }
        }
        // WIFEXITED/WEXITSTATUS are macros Swift cannot import; this is their definition.
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// The parent's ends of the three pipes, moved along by `poll`.
private struct Streams {
    var stdin: Int32
    var stdout: Int32
    var stderr: Int32
    let input: [UInt8]
    var written = 0
    var output: [UInt8] = []
    var errors: [UInt8] = []

    init(stdin: Int32, stdout: Int32, stderr: Int32, input: [UInt8]) {
        (self.stdin, self.stdout, self.stderr, self.input) = (stdin, stdout, stderr, input)
        if input.isEmpty { closeStdin() }
    }

    /// Feeds stdin and drains stdout/stderr until both reach end of file; `false` on timeout.
    mutating func pump(timeoutMilliseconds: Int) -> Bool {
        var remaining = timeoutMilliseconds
        while stdout >= 0 || stderr >= 0 {
            var descriptors = [
                pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0),
                pollfd(fd: stdout, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stderr, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 3, 100)  // negative descriptors are ignored by poll
            if ready < 0, errno != EINTR { return false }
            if ready == 0 {
                remaining -= 100
                if remaining <= 0 { return false }
                continue
            }
            if descriptors[0].revents != 0 { feedStdin() }
            if descriptors[1].revents != 0 { drain(&stdout, into: &output) }
            if descriptors[2].revents != 0 { drain(&stderr, into: &errors) }
        }
        return true
    }

    private mutating func feedStdin() {
        let count = input[written...].withUnsafeBytes { Glibc.write(stdin, $0.baseAddress, $0.count) }
        if count > 0 { written += count }
        if written == input.count || (count < 0 && errno != EINTR && errno != EAGAIN) { closeStdin() }
    }

    private func drain(_ descriptor: inout Int32, into buffer: inout [UInt8]) {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            buffer.append(contentsOf: chunk[..<count])
        } else if count == 0 || errno != EINTR {
            close(descriptor)
            descriptor = -1
        }
    }

    private mutating func closeStdin() {
        if stdin >= 0 { close(stdin) }
        stdin = -1
    }

    mutating func closeAll() {
        closeStdin()
        for descriptor in [stdout, stderr] where descriptor >= 0 { close(descriptor) }
        (stdout, stderr) = (-1, -1)
    }
}
