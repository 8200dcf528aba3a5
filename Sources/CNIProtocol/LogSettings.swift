/// The invocation log's settings: netconf keys `logFile` and `logLevel`, and the environment
/// variable `NSBRIDGE_LOG_FILE`, which overrides the path. Decoded in this one place, both for
/// the plugin's validation (a bad value is code 7 naming the key) and for the log itself.
public struct LogSettings: Equatable, Sendable {
    public enum Level: String, CaseIterable, Sendable, Comparable {
        /// Only failed invocations.
        case error
        /// Every invocation.
        case info
        /// Every invocation, with CNI_ARGS, the process ID and the error details.
        case debug

        public static func < (lhs: Level, rhs: Level) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public static let environmentVariable = "NSBRIDGE_LOG_FILE"

    /// Where to append; `nil` means the log is off.
    public var path: String?
    public var level: Level

    /// - Throws: code 7 naming `logFile` or `logLevel` when either has the wrong type or value.
    public init(configuration members: [String: JSONValue], environment: [String: String] = [:]) throws(CNIError) {
        let fields = JSONFields(members)
        var path: String?
        if let value = fields.present("logFile") {
            guard let text = value.stringValue, text.hasPrefix("/") else {
                throw fields.wrongType("logFile", expected: "an absolute path", value)
            }
            path = text
        }
        if let override = environment[Self.environmentVariable], !override.isEmpty { path = override }
        self.path = path
        level = .info
        if let value = fields.present("logLevel") {
            guard let text = value.stringValue, let level = Level(rawValue: text) else {
                throw fields.wrongType("logLevel", expected: "\"error\", \"info\" or \"debug\"", value)
            }
            self.level = level
        }
    }

    /// Whether `stdin` could turn the log on: a cheap scan for the key, ASCII case-insensitive
    /// as keys are matched, so that a configuration without it is never parsed twice.
    public static func mayEnable(_ stdin: [UInt8]) -> Bool {
        let key = Array("logfile".utf8)
        guard stdin.count >= key.count else { return false }
        for start in 0...(stdin.count - key.count) where stdin[start] | 0x20 == key[0] {
            var index = 1
            while index < key.count, stdin[start + index] | 0x20 == key[index] { index += 1 }
            if index == key.count { return true }
        }
        return false
    }
}
