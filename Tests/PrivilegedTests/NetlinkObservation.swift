import CNIProtocol
import CNITestSupport
import Foundation

/// Observation helpers for privileged Netlink tests: they run `ip`/`bridge`/`ping` inside a
/// namespace with `nsenter`, only to look at (or ping through) what the code under test built.
enum NetlinkObservation {
    /// Runs a command inside `namespace` and returns its standard output.
    @discardableResult
    static func run(in namespace: ThrowawayNetworkNamespace, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--net=\(namespace.path)"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CommandFailure(command: arguments, status: process.terminationStatus, output: text)
        }
        return text
    }

    /// `ip -j <arguments>` (or `bridge -j ...`) inside `namespace`, parsed.
    static func json(in namespace: ThrowawayNetworkNamespace, _ arguments: [String]) throws -> [JSONValue] {
        let text = try run(in: namespace, arguments)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return [] }
        return try JSONValue(parsing: trimmed).arrayValue ?? []
    }

    /// The `ip -j -d link show` object for one interface.
    static func link(_ name: String, in namespace: ThrowawayNetworkNamespace) throws -> JSONValue? {
        try json(in: namespace, ["ip", "-j", "-d", "link", "show", "dev", name]).first
    }
}
