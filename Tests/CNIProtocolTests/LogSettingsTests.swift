import CNIProtocol
import Testing

@Suite("Invocation log settings")
struct LogSettingsTests {
    static func members(_ text: String) throws -> [String: JSONValue] {
        try NetworkConfiguration.members(parsing: Array(text.utf8))
    }

    @Test("Off without logFile or NSBRIDGE_LOG_FILE; info is the default level")
    func defaults() throws {
        #expect(try LogSettings(configuration: Self.members(#"{"name":"n"}"#)).path == nil)
        let on = try LogSettings(configuration: Self.members(#"{"logFile":"/var/log/nsbridge.log"}"#))
        #expect(on.path == "/var/log/nsbridge.log")
        #expect(on.level == .info)
    }

    @Test("The environment overrides the path; keys match case-insensitively")
    func overrides() throws {
        let settings = try LogSettings(configuration: Self.members(#"{"LogFile":"/a","LOGLEVEL":"debug"}"#),
                                       environment: ["NSBRIDGE_LOG_FILE": "/b"])
        #expect(settings.path == "/b")
        #expect(settings.level == .debug)
        #expect(try LogSettings(configuration: [:], environment: ["NSBRIDGE_LOG_FILE": "/c"]).path == "/c")
    }

    @Test("Bad values are code 7 naming the key", arguments: [
        (#"{"logFile":3}"#, "logFile"), (#"{"logFile":"relative.log"}"#, "logFile"),
        (#"{"logFile":"/x","logLevel":"verbose"}"#, "logLevel"), (#"{"logLevel":true}"#, "logLevel"),
    ])
    func invalid(text: String, key: String) throws {
        let members = try Self.members(text)
        #expect {
            try LogSettings(configuration: members)
        } throws: { error in
            guard let error = error as? CNIError else { return false }
            return error.code == .invalidNetworkConfig && error.message.contains("\"\(key)\"")
        }
    }

    @Test("The cheap pre-scan finds the key in any case, and nothing else", arguments: [
        (#"{"logFile":"/x"}"#, true), (#"{"LOGFILE":"/x"}"#, true), (#"{"name":"logfil"}"#, false), ("", false),
    ])
    func prescan(text: String, expected: Bool) {
        #expect(LogSettings.mayEnable(Array(text.utf8)) == expected)
    }
}
