#if canImport(Glibc)
import Glibc
#endif

/// Runs another program to completion: bytes on its stdin, its stdout captured, its stderr
/// shared with ours (so a delegated plugin's log lines reach the runtime's log, as with the
/// reference plugins).
///
/// Uses `posix_spawn` rather than `fork`, which is unsafe in a multi-threaded Swift process.
public enum ChildProcess {
    /// How a finished child ended and what it printed.
    public struct Outcome: Sendable, Equatable {
        /// The exit status, or `128 + signal` when a signal killed it (the shell convention).
        public var exitStatus: Int32
        public var standardOutput: [UInt8]
    }

    /// Runs `executable` with `arguments` (including argv[0]) and `environment` (`KEY=VALUE`).
    /// - Throws: `SystemError` when the pipes cannot be made or the program cannot be started.
    public static func run(_ executable: String, arguments: [String], environment: [String], input: [UInt8])
        throws(SystemError) -> Outcome
    {
        let stdinPipe = try makePipe()
        let stdoutPipe: (read: Int32, write: Int32)
        do { stdoutPipe = try makePipe() } catch {
            close(stdinPipe.read); close(stdinPipe.write)
            throw error
        }
        let pid: pid_t
        do {
            pid = try spawn(executable, arguments, environment, stdin: stdinPipe.read, stdout: stdoutPipe.write)
        } catch {
            [stdinPipe.read, stdinPipe.write, stdoutPipe.read, stdoutPipe.write].forEach { _ = close($0) }
            throw error
        }
        close(stdinPipe.read)
        close(stdoutPipe.write)
        let output = exchange(input, into: stdinPipe.write, collectingFrom: stdoutPipe.read)
        return Outcome(exitStatus: try waitForExit(pid, executable), standardOutput: output)
    }

    /// A pipe whose ends are close-on-exec (also used by `LingeringChild`).
    static func makePipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        try valueOrErrno("pipe") { pipe(&ends) }
        // Close-on-exec keeps the pipe ends out of a spawned program; posix_spawn's dup2 onto 0/1
        // clears the flag on the copies the child does need.
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return (ends[0], ends[1])
    }

    private static func spawn(_ executable: String, _ arguments: [String], _ environment: [String],
                              stdin: Int32, stdout: Int32) throws(SystemError) -> pid_t
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        // The child starts with default signal handling and nothing blocked, whatever ours is.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        }
        if status != 0 { throw SystemError("start \(executable)", errno: status) }
        return pid
    }

    /// Feeds `input` and drains stdout together, so neither side can fill a pipe and stall.
    /// SIGPIPE is blocked on this thread meanwhile: a child that exits without reading its stdin
    /// must give us EPIPE, not kill us.
    private static func exchange(_ input: [UInt8], into writeEnd: Int32, collectingFrom readEnd: Int32) -> [UInt8] {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
        defer {
            var noWait = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&pipeSignal, nil, &noWait) == SIGPIPE {}
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }
        var output: [UInt8] = []
        var written = 0
        var writer: Int32 = input.isEmpty ? -1 : writeEnd
        if writer < 0 { close(writeEnd) }
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            var fds = [pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: writer, events: Int16(POLLOUT), revents: 0)]
            if poll(&fds, 2, -1) < 0 { if errno == EINTR { continue } else { break } }
            if fds[1].revents != 0, writer >= 0 {
                let count = input.withUnsafeBytes { write(writer, $0.baseAddress! + written, input.count - written) }
                if count > 0 { written += count }
                if count < 0 && errno != EINTR && errno != EAGAIN || written == input.count {
                    close(writer)
                    writer = -1
                }
            }
            if fds[0].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress!, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                output.append(contentsOf: chunk[..<count])
            }
        }
        if writer >= 0 { close(writer) }
        close(readEnd)
        return output
    }

    private static func waitForExit(_ pid: pid_t, _ executable: String) throws(SystemError) -> Int32 {
        var status: Int32 = 0
        try valueOrErrno("wait for \(executable)") { waitpid(pid, &status, 0) }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}
