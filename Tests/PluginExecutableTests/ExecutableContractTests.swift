import CNIProtocol
import CNITestSupport
import Testing

/// The built `nsbridge` binary driven as a runtime drives it: environment and stdin in, one JSON
/// document (or nothing) on stdout, logs on stderr, exit status 0 or 1.
@Suite("nsbridge executable contract")
struct ExecutableContractTests {
    static let binary = PluginProcess.builtProduct(named: "nsbridge")

    static let attachment: [String: String] = [
        "CNI_CONTAINERID": "c0ffee", "CNI_NETNS": "/run/netns/does-not-exist", "CNI_IFNAME": "eth0",
        "CNI_PATH": "/opt/cni/bin", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
    ]

    static func config(_ version: String = "1.1.0") -> String {
        #"{"cniVersion":"\#(version)","name":"exec-test","type":"nsbridge","bridge":"cnitest0"}"#
    }

    static func run(_ environment: [String: String], stdin: String = "") throws -> PluginProcess.Outcome {
        try PluginProcess.run(binary, environment: environment, stdin: Array(stdin.utf8))
    }

    static func run(verb: String, removing: [String] = [], setting: [String: String] = [:], stdin: String) throws
        -> PluginProcess.Outcome
    {
        var environment = attachment
        environment["CNI_COMMAND"] = verb
        for name in removing { environment[name] = nil }
        environment.merge(setting) { $1 }
        return try run(environment, stdin: stdin)
    }

    /// Exit 1 and exactly one error object with the code on stdout.
    static func expectError(_ outcome: PluginProcess.Outcome, code: CNIError.Code,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.status == 1, "\(outcome)", sourceLocation: sourceLocation)
        let json = outcome.json
        #expect(json != nil, "stdout is not one JSON document: \(outcome)", sourceLocation: sourceLocation)
        #expect(json?["code"]?.integerValue == Int(code.rawValue), "\(outcome)", sourceLocation: sourceLocation)
        #expect(json?["msg"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(json?["cniVersion"]?.stringValue != nil, sourceLocation: sourceLocation)
    }

    @Test("VERSION with the dummy variables Podman and libcni send")
    func versionAsPodmanSends() throws {
        let outcome = try Self.run([
            "CNI_COMMAND": "VERSION", "CNI_CONTAINERID": "", "CNI_NETNS": "dummy", "CNI_IFNAME": "dummy",
            "CNI_PATH": "dummy",
        ], stdin: #"{"cniVersion":"0.4.0"}"#)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.json == CNIVersion.versionInfo)
        #expect(outcome.stderr.isEmpty)
    }

    @Test("VERSION with only CNI_COMMAND and no stdin at all")
    func versionBare() throws {
        let outcome = try Self.run(["CNI_COMMAND": "VERSION"])
        #expect(outcome.status == 0)
        #expect(outcome.json?["supportedVersions"]?.arrayValue?.count == CNIVersion.supported.count)
    }

    @Test("Without CNI_COMMAND: the about line on stderr, empty stdout, exit 0")
    func about() throws {
        let outcome = try Self.run(["PATH": "/usr/bin"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderrText == PluginRunner.aboutLine + "\n")
    }

    static let requiredByVerb: [(String, [String])] = [
        ("ADD", ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"]),
        ("DEL", ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"]),
        ("CHECK", ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"]),
        ("GC", ["CNI_PATH"]),
    ]

    @Test("Each missing variable is code 4 naming it; all missing are named at once", arguments: requiredByVerb)
    func missingVariables(verb: String, required: [String]) throws {
        for name in required {
            let outcome = try Self.run(verb: verb, removing: [name], stdin: Self.config())
            Self.expectError(outcome, code: .invalidEnvironmentVariables)
            #expect(outcome.json?["msg"]?.stringValue?.hasSuffix(": \(name)") == true, "\(outcome)")
        }
        let outcome = try Self.run(verb: verb, removing: required, stdin: Self.config())
        Self.expectError(outcome, code: .invalidEnvironmentVariables)
        #expect(outcome.json?["msg"]?.stringValue?.hasSuffix(": " + required.joined(separator: ", ")) == true)
    }

    @Test("Invalid ifname or container ID is code 4", arguments: [
        ["CNI_IFNAME": "much-too-long-name0"], ["CNI_IFNAME": "eth/0"], ["CNI_IFNAME": "eth:0"], ["CNI_IFNAME": "eth 0"],
        ["CNI_IFNAME": ".."], ["CNI_CONTAINERID": "-leading-dash"], ["CNI_CONTAINERID": "has space"],
    ])
    func invalidValues(setting: [String: String]) throws {
        for verb in ["ADD", "DEL", "CHECK"] {
            Self.expectError(try Self.run(verb: verb, setting: setting, stdin: Self.config()), code: .invalidEnvironmentVariables)
        }
    }

    @Test("Unknown verbs are refused with code 4", arguments: ["INIT", "FINALIZE", "add", "NOPE"])
    func unknownVerb(verb: String) throws {
        let outcome = try Self.run(verb: verb, stdin: Self.config())
        Self.expectError(outcome, code: .invalidEnvironmentVariables)
        #expect(outcome.json?["msg"] == .string("unknown CNI_COMMAND: \(verb)"))
    }

    @Test("Bad JSON is code 6", arguments: ["", "{", "not json", "[1,2]", #"{"cniVersion":"1.0.0",}"#])
    func badJSON(stdin: String) throws {
        for verb in ["ADD", "DEL", "CHECK", "STATUS", "GC"] {
            Self.expectError(try Self.run(verb: verb, stdin: stdin), code: .decodingFailure)
        }
    }

    @Test("An unsupported cniVersion is code 1", arguments: ["0.5.0", "1.2.0", "2.0.0", "1.0", "garbage"])
    func unsupportedVersion(version: String) throws {
        for verb in ["ADD", "DEL", "CHECK", "STATUS", "GC"] {
            let outcome = try Self.run(verb: verb, stdin: Self.config(version))
            Self.expectError(outcome, code: .incompatibleCNIVersion)
            #expect(outcome.json?["msg"] == "incompatible CNI versions")
        }
    }

    @Test("CHECK below 0.4.0 and STATUS/GC below 1.1.0 are code 1", arguments: [
        ("CHECK", "0.3.1"), ("CHECK", "0.1.0"), ("STATUS", "1.0.0"), ("STATUS", "0.4.0"), ("GC", "1.0.0"), ("GC", "0.2.0"),
    ])
    func verbTooNew(verb: String, version: String) throws {
        let outcome = try Self.run(verb: verb, stdin: Self.config(version))
        Self.expectError(outcome, code: .incompatibleCNIVersion)
        #expect(outcome.json?["cniVersion"] == .string(version))
    }

    @Test("A missing or invalid network name is code 7", arguments: [#"{"cniVersion":"1.0.0"}"#, #"{"cniVersion":"1.0.0","name":"a/b"}"#])
    func badName(stdin: String) throws {
        Self.expectError(try Self.run(verb: "ADD", stdin: stdin), code: .invalidNetworkConfig)
    }

    /// Only verbs without side effects: once the real plugin is wired in, ADD/DEL/GC here would
    /// touch the host's links and IPAM state, which belongs to the privileged and conformance tiers.
    @Test("Any outcome of a well-formed CHECK or STATUS leaves stdout empty or one error document",
          arguments: ["CHECK", "STATUS"])
    func wellFormedRequest(verb: String) throws {
        let outcome = try Self.run(verb: verb, stdin: Self.config())
        if outcome.status == 0 {
            #expect(outcome.stdout.isEmpty, "\(outcome)")
        } else {
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.json?["code"]?.integerValue != nil, "\(outcome)")
        }
    }

    @Test("The binary behaves the same under another argv[0]")
    func anyName() throws {
        let outcome = try PluginProcess.run(Self.binary, environment: ["CNI_COMMAND": "VERSION"])
        for name in ["bridge", "/opt/cni/bin/whatever", ""] {
            let renamed = try PluginProcess.run(Self.binary, arguments: ["extra"], argumentZero: name,
                                                environment: ["CNI_COMMAND": "VERSION"])
            #expect(renamed.status == 0)
            #expect(outcome.stdout == renamed.stdout)
        }
    }
}
