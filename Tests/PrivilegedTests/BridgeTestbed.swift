import CNIProtocol
import CNITestSupport
import Foundation

/// A throwaway "host" namespace, container namespaces and an IPAM data directory, in which the
/// real `nsbridge` binary is run as a runtime would run it. Everything is removed by `close()`,
/// which also reports anything that leaked.
final class BridgeTestbed {
    static let prefix = "nsbkt"
    let host: ThrowawayNetworkNamespace
    let dataDirectory: TemporaryDirectory
    private(set) var containers: [String: ThrowawayNetworkNamespace] = [:]
    let binary = PluginProcess.builtProduct(named: "nsbridge")

    init() throws {
        host = try ThrowawayNetworkNamespace(prefix: Self.prefix)
        dataDirectory = try TemporaryDirectory(prefix: "nsbkt-ipam")
    }

    /// A new container namespace, created on first use of `label`.
    func container(_ label: String) throws -> ThrowawayNetworkNamespace {
        if let existing = containers[label] { return existing }
        let namespace = try ThrowawayNetworkNamespace(prefix: Self.prefix)
        containers[label] = namespace
        return namespace
    }

    /// A plugin configuration on network `name`, with built-in IPAM on `subnet` unless `ipam` is
    /// given, plus `extra` keys.
    func config(name: String = "kt", version: String = "1.1.0", subnet: String = "10.66.0.0/24",
                ipam: JSONValue? = nil, _ extra: [String: JSONValue] = [:]) -> JSONValue {
        var members: [String: JSONValue] = [
            "cniVersion": .string(version), "name": .string(name), "type": "nsbridge", "bridge": "nsbkt0",
            "ipam": ipam ?? ["type": "host-local", "subnet": .string(subnet), "dataDir": .string(dataDirectory.path)],
        ]
        members.merge(extra) { _, new in new }
        return .object(members)
    }

    /// Runs the binary in the host namespace with the runtime's variables.
    @discardableResult
    func invoke(_ command: String, _ configuration: JSONValue, containerID: String = "c1", ifName: String = "eth0",
                netns: String?, arguments: String = "") throws -> PluginProcess.Outcome {
        var environment = ["CNI_COMMAND": command, "CNI_CONTAINERID": containerID, "CNI_IFNAME": ifName,
                           "CNI_PATH": "/usr/lib/cni", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        if let netns { environment["CNI_NETNS"] = netns }
        if !arguments.isEmpty { environment["CNI_ARGS"] = arguments }
        return try PluginProcess.run(
            "/usr/bin/nsenter", arguments: ["--net=\(host.path)", binary], environment: environment,
            stdin: Array(configuration.serialized().utf8), timeoutSeconds: 30)
    }

    /// ADD that must succeed; returns the result.
    func add(_ configuration: JSONValue, containerID: String = "c1", ifName: String = "eth0", in label: String? = nil,
             arguments: String = "") throws -> JSONValue {
        let netns = try container(label ?? containerID).path
        let outcome = try invoke("ADD", configuration, containerID: containerID, ifName: ifName, netns: netns, arguments: arguments)
        guard outcome.status == 0, let result = outcome.json else { throw TestbedFailure("ADD failed: \(outcome)") }
        return result
    }

    /// `configuration` with `prevResult` set, as a runtime sends it for CHECK and DEL.
    static func with(prevResult: JSONValue, _ configuration: JSONValue) -> JSONValue {
        var members = configuration.objectValue ?? [:]
        members["prevResult"] = prevResult
        return .object(members)
    }

    // MARK: Observation (ip, bridge, nft, files), never the plugin's own modules

    func ipJSON(in namespace: ThrowawayNetworkNamespace, _ arguments: [String]) throws -> [JSONValue] {
        try NetlinkObservation.json(in: namespace, arguments)
    }

    func link(_ name: String, in namespace: ThrowawayNetworkNamespace) throws -> JSONValue? {
        try? ipJSON(in: namespace, ["ip", "-j", "-d", "link", "show", "dev", name]).first
    }

    func hostLinkNames() throws -> [String] {
        try ipJSON(in: host, ["ip", "-j", "link", "show"]).compactMap { $0["ifname"]?.stringValue }
    }

    func ping(from label: String, to address: String) throws -> Bool {
        (try? shell(try container(label), ["ping", "-c", "1", "-W", "2", address])) != nil
    }

    /// Reservation files (named after addresses) in the network's data directory.
    func reservations(network: String = "kt") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory.appending(network))) ?? []
        return names.filter { $0.first?.isNumber == true || $0.contains(":") }.sorted()
    }

    @discardableResult
    func shell(_ namespace: ThrowawayNetworkNamespace, _ arguments: [String]) throws -> String {
        try NetlinkObservation.run(in: namespace, arguments)
    }

    /// Removes everything; returns what leaked (namespaces of this testbed still mounted).
    /// Other suites run at the same time with the same prefix, so only our own names count.
    func close() -> [String] {
        let ours = Set(([host] + Array(containers.values)).compactMap(\.name))
        let bridgeLocks = "bridge.\(host.namespace.inode)."
        for namespace in containers.values { namespace.close() }
        host.close()
        // The plugin's per-namespace bridge locks (/run/nsbridge) die with nothing; drop ours.
        let lockDirectory = "/run/nsbridge"
        for file in (try? FileManager.default.contentsOfDirectory(atPath: lockDirectory)) ?? []
        where file.hasPrefix(bridgeLocks) {
            try? FileManager.default.removeItem(atPath: "\(lockDirectory)/\(file)")
        }
        return ThrowawayNetworkNamespace.leftovers(prefix: Self.prefix).filter { ours.contains($0) }
    }
}

struct TestbedFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a fresh testbed and fails the test if anything leaks.
func withTestbed(_ body: (BridgeTestbed) throws -> Void) throws {
    let testbed = try BridgeTestbed()
    defer {
        let leaks = testbed.close()
        if !leaks.isEmpty { Issue.recordLeak(leaks) }
    }
    try body(testbed)
}

import Testing

extension Issue {
    static func recordLeak(_ leaks: [String]) {
        Issue.record("leaked namespaces: \(leaks)")
    }
}
