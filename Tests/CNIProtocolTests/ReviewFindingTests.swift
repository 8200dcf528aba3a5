import CNIProtocol
import CNITestSupport
import Testing

/// Issue 14's findings in the protocol layer, each pinned by a test that failed before its fix.
@Suite("Review findings: JSON edge cases, bounded stdin, error versions")
struct ReviewFindingTests {
    @Test("A high surrogate followed by a \\u escape that is not a low surrogate keeps that escape")
    func loneHighSurrogateKeepsNextEscape() throws {
        #expect(try JSONValue(parsing: #""\ud800\u0041""#) == .string("\u{FFFD}A"))
        #expect(try JSONValue(parsing: #""\ud800\ud800\udc00""#) == .string("\u{FFFD}\u{10000}"))
        #expect(try JSONValue(parsing: #""\ud800\n""#) == .string("\u{FFFD}\n"))
        #expect(try JSONValue(parsing: #""\udc00x""#) == .string("\u{FFFD}x"))
    }

    @Test("A number beyond any double is a parse error naming it, not an infinity printed as null")
    func overflowingNumberRefused() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONValue(parsing: #"{"mtu": 1e400}"#) }
        #expect(error.reason.contains("1e400"))
        #expect(error.offset == 8)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "-1e400") }
        #expect(try JSONValue(parsing: "1e-400") == .double(0))
    }

    @Test("A configuration holding 1e400 is refused as undecodable (code 6)")
    func overflowingNumberIsCode6() {
        let outcome = runPlugin(RecordingPlugin(), environment: PluginRunnerTests.environment("ADD"),
                                stdin: PluginRunnerTests.config("1.0.0", extra: #","mtu":1e400"#))
        PluginRunnerTests.expectError(outcome, code: .decodingFailure)
    }

    @Test("stdin beyond the limit is refused with code 5 and a message naming the limit")
    func stdinBounded() {
        let padding = String(repeating: " ", count: PluginRunner.maximumConfigurationSize)
        let outcome = runPlugin(RecordingPlugin(), environment: PluginRunnerTests.environment("ADD"),
                                stdin: PluginRunnerTests.config() + padding)
        PluginRunnerTests.expectError(outcome, code: .ioFailure)
        #expect(outcome.json?["msg"]?.stringValue?.contains("MiB") == true)
    }

    @Test("stdin exactly at the limit is accepted")
    func stdinAtLimitAccepted() {
        let config = PluginRunnerTests.config()
        let padding = String(repeating: " ", count: PluginRunner.maximumConfigurationSize - config.utf8.count)
        let outcome = runPlugin(RecordingPlugin(), environment: PluginRunnerTests.environment("DEL"), stdin: config + padding)
        #expect(outcome.status == 0)
    }

    @Test("A missing variable is reported in the configuration's cniVersion when stdin holds one")
    func environmentErrorUsesConfiguredVersion() {
        var environment = PluginRunnerTests.environment("ADD")
        environment["CNI_CONTAINERID"] = nil
        let outcome = runPlugin(RecordingPlugin(), environment: environment, stdin: PluginRunnerTests.config("1.0.0"))
        PluginRunnerTests.expectError(outcome, code: .invalidEnvironmentVariables, version: "1.0.0")
        #expect(outcome.stdinReads == 1)
    }

    @Test("Without a readable configuration, an environment error falls back to the newest version",
          arguments: ["", "not json", #"{"cniVersion":"9.9.9"}"#])
    func environmentErrorFallsBack(stdin: String) {
        var environment = PluginRunnerTests.environment("ADD")
        environment["CNI_IFNAME"] = nil
        let outcome = runPlugin(RecordingPlugin(), environment: environment, stdin: stdin)
        PluginRunnerTests.expectError(outcome, code: .invalidEnvironmentVariables, version: CNIVersion.current.description)
    }
}

@Suite("One MAC parser")
struct MACAddressParsingTests {
    @Test("Six groups of exactly two hex digits, ':' or '-', either case", arguments: [
        ("0A:ff:00:01:10:ab", true), ("0a-ff-00-01-10-ab", true), ("+a:ff:00:01:10:ab", false),
        ("0a:ff:00:01:10", false), ("0a:ff:00:01:10:zz", false), ("0a:ff:00:01:10:abc", false), ("", false),
    ])
    func parsing(text: String, valid: Bool) {
        #expect((MACAddress(text) != nil) == valid)
    }
}

@Suite("Route integers are range-checked, not clamped")
struct RouteRangeTests {
    @Test("A result route member beyond the kernel's field is code 6 naming it",
          arguments: [("priority", -1), ("table", 4_294_967_296), ("scope", 256), ("mtu", -5), ("advmss", 1 << 40)])
    func resultRouteOutOfRange(key: String, value: Int) throws {
        let json = try JSONValue(parsing: #"{"cniVersion":"1.1.0","routes":[{"dst":"0.0.0.0/0","\#(key)":\#(value)}]}"#)
        let error = try #require(throws: CNIError.self) { try CNIResult(parsing: json, defaultVersion: .v1_1_0) }
        #expect(error.code == .decodingFailure)
        #expect(error.message.contains("routes[0].\(key)"))
    }

    @Test("The largest values still parse")
    func edges() throws {
        let json = try JSONValue(parsing: #"{"cniVersion":"1.1.0","routes":[{"dst":"0.0.0.0/0","table":4294967295,"scope":255}]}"#)
        let result = try CNIResult(parsing: json, defaultVersion: .v1_1_0)
        #expect(result.routes.first?.table == 4_294_967_295)
        #expect(result.routes.first?.scope == 255)
    }
}
