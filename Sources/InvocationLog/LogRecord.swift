import CNIProtocol

#if canImport(Glibc)
import Glibc
#endif

/// The JSON object of one invocation's log line.
struct LogRecord {
    let environment: [String: String]
    let configuration: [String: JSONValue]
    /// The parsed stdout: a result or an error object (empty for DEL/CHECK success).
    let outcome: [String: JSONValue]
    let failed: Bool
    let durationMs: Double
    let phases: (milliseconds: [InvocationPhase: Double], calls: [InvocationPhase: Int])?
    let level: LogSettings.Level

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "time": .string(Self.timestamp()), "id": .string(Self.invocationID()),
            "verb": .string(environment["CNI_COMMAND"] ?? ""), "containerID": .string(environment["CNI_CONTAINERID"] ?? ""),
            "ifname": .string(environment["CNI_IFNAME"] ?? ""), "netns": .string(environment["CNI_NETNS"] ?? ""),
            "network": configuration.member("name") ?? .null,
            "addresses": .array(addresses.map(JSONValue.string)),
            "code": .integer(failed ? Int64(outcome.member("code")?.integerValue ?? 999) : 0),
            "durationMs": .double(durationMs),
            "phases": .object(Dictionary(uniqueKeysWithValues: (phases?.milliseconds ?? [:]).map { ($0.key.rawValue, JSONValue.double($0.value)) })),
        ]
        if failed { members["msg"] = outcome.member("msg") ?? .null }
        if level == .debug {
            members["pid"] = .integer(Int64(getpid()))
            members["cniArgs"] = .string(environment["CNI_ARGS"] ?? "")
            members["details"] = outcome.member("details") ?? .null
            members["calls"] = .object(Dictionary(uniqueKeysWithValues: (phases?.calls ?? [:]).map { ($0.key.rawValue, JSONValue.integer(Int64($0.value))) }))
        }
        return .object(members)
    }

    /// The result's addresses in any spec version: `ips[].address` (0.3.0 and later) or
    /// `ip4.ip`/`ip6.ip` (0.1.0, 0.2.0).
    var addresses: [String] {
        if let ips = outcome.member("ips")?.arrayValue {
            return ips.compactMap { $0["address"]?.stringValue }
        }
        return ["ip4", "ip6"].compactMap { outcome.member($0)?["ip"]?.stringValue }
    }

    /// UTC, RFC 3339 with milliseconds.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }

    /// 16 random hex digits, to tell apart invocations with the same container ID.
    static func invocationID() -> String {
        var random = SystemRandomNumberGenerator()
        let value = random.next()
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
