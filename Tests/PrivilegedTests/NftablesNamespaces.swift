import CSystemShims
import Foundation
import Testing

// Private test helpers for the nftables privileged suites: named throwaway network namespaces
// (`ip netns add nsbt-…`), work run on a dedicated pthread that has joined one of them, and
// observation through `ip netns exec <ns> nft …`. Every namespace is deleted by `deinit`.

/// Whether this process can create network namespaces (root or CAP_SYS_ADMIN) and `ip`/`nft` exist.
let canRunNftablesKernelTests: Bool = {
    guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft"),
          FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip")
    else { return false }
    var allowed = false
    try? runOnDedicatedThread { allowed = csys_unshare_net() == 0 }
    return allowed
}()

struct CommandFailure: Error, CustomStringConvertible {
    var command: [String]
    var status: Int32
    var output: String
    var description: String { "\(command.joined(separator: " ")) exited \(status): \(output)" }
}

/// Runs a command, returning stdout+stderr; throws on a non-zero exit unless `allowFailure`.
@discardableResult
func run(_ arguments: [String], allowFailure: Bool = false) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    if process.terminationStatus != 0 && !allowFailure {
        throw CommandFailure(command: arguments, status: process.terminationStatus, output: output)
    }
    return output
}

private final class ThreadJob {
    let work: () throws -> Void
    var error: (any Error)?
    init(_ work: @escaping () throws -> Void) { self.work = work }
}

/// Runs `body` on a new pthread and joins it, so a `setns`/`unshare` inside never leaks into
/// the test runner's thread pool.
func runOnDedicatedThread(_ body: () throws -> Void) throws {
    try withoutActuallyEscaping(body) { escapable in
        let job = ThreadJob(escapable)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<ThreadJob>.fromOpaque(raw!).takeUnretainedValue()
            do { try job.work() } catch { job.error = error }
            return nil
        }, Unmanaged.passUnretained(job).toOpaque())
        precondition(created == 0, "pthread_create failed")
        pthread_join(thread, nil)
        if let error = job.error { throw error }
    }
}

/// A named network namespace for one test, removed when released.
final class TestNamespace {
    let name: String

    init(_ role: String) throws {
        name = "nsbt-\(role)-\(UInt32.random(in: 0..<UInt32.max) % 100_000)"
        try run(["ip", "netns", "add", name])
        try exec(["ip", "link", "set", "lo", "up"])
    }

    /// Deletes the namespace (and with it every link, address and nft table created in it),
    /// and records a test issue if it is still there.
    deinit {
        _ = try? run(["ip", "netns", "delete", name], allowFailure: true)
        if FileManager.default.fileExists(atPath: "/run/netns/\(name)") {
            Issue.record("leaked network namespace \(name)")
        }
    }

    /// Runs a command inside the namespace.
    @discardableResult
    func exec(_ arguments: [String], allowFailure: Bool = false) throws -> String {
        try run(["ip", "netns", "exec", name] + arguments, allowFailure: allowFailure)
    }

    /// Runs `body` on a dedicated thread that has joined the namespace.
    func enter(_ body: () throws -> Void) throws {
        let fd = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CommandFailure(command: ["open", name], status: errno, output: "") }
        defer { close(fd) }
        try runOnDedicatedThread {
            guard csys_setns_net(fd) == 0 else { throw CommandFailure(command: ["setns", name], status: errno, output: "") }
            try body()
        }
    }

    /// Runs `body(index)` on `count` dedicated threads at once, each inside the namespace.
    func enterConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        let errors = ErrorBox()
        var threads: [Thread] = []
        let fdPath = "/run/netns/\(name)"
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                let fd = open(fdPath, O_RDONLY | O_CLOEXEC)
                defer { close(fd) }
                guard fd >= 0, csys_setns_net(fd) == 0 else { errors.add(CommandFailure(command: ["setns"], status: errno, output: "")); return }
                do { try body(index) } catch { errors.add(error) }
            }
            threads.append(thread)
        }
        threads.forEach { $0.start() }
        group.wait()
        if let first = errors.first { throw first }
    }

    /// `nft -j list table <family> <name>` parsed, or `nil` if the table does not exist.
    func listTable(_ family: String, _ table: String) throws -> [[String: Any]]? {
        let output = try exec(["nft", "-j", "list", "table", family, table], allowFailure: true)
        guard let data = output.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let items = object["nftables"] as? [[String: Any]]
        else { return nil }
        return items
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []
    func add(_ error: any Error) { lock.lock(); errors.append(error); lock.unlock() }
    var first: (any Error)? { lock.lock(); defer { lock.unlock() }; return errors.first }
}

/// Objects of one kind (`"rule"`, `"element"`…) from a `nft -j` listing.
func objects(_ kind: String, in items: [[String: Any]]?) -> [[String: Any]] {
    (items ?? []).compactMap { $0[kind] as? [String: Any] }
}
