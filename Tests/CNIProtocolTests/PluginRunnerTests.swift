import CNIProtocol
import CNITestSupport
import Testing

@Suite("PluginRunner: dispatch, stdout discipline, error mapping")
struct PluginRunnerTests {
    static func environment(_ command: String, netns: String? = "/run/netns/c") -> [String: String] {
        var environment = [
            "CNI_COMMAND": command, "CNI_CONTAINERID": "c1", "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin",
            "CNI_ARGS": "IgnoreUnknown=1;K8S_POD_NAME=p",
        ]
        environment["CNI_NETNS"] = netns
        return environment
    }

    static func config(_ version: String = "1.1.0", extra: String = "") -> String {
        #"{"cniVersion":"\#(version)","name":"net1","type":"nsbridge"\#(extra)}"#
    }

    static let result = CNIResult(
        interfaces: [.init(name: "eth0", mac: "0a:58:0a:00:00:05", sandbox: "/run/netns/c", mtu: 1400)],
        ips: [.init(address: IPNetwork("10.0.0.5/24")!, gateway: IPAddress("10.0.0.1"), interface: 0)]
    )

    /// Every outcome must leave stdout empty or holding exactly one JSON document.
    static func expectOneDocument(_ outcome: PluginRunOutcome, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.json != nil, "stdout: \(outcome.stdout)", sourceLocation: sourceLocation)
        #expect(outcome.stdout.hasSuffix("}\n"), sourceLocation: sourceLocation)
        #expect(outcome.stdout.filter { $0 == "\n" }.count == 1, sourceLocation: sourceLocation)
    }

    static func expectError(_ outcome: PluginRunOutcome, code: CNIError.Code, version: String = "1.1.0",
                            sourceLocation: SourceLocation = #_sourceLocation) {
        expectOneDocument(outcome, sourceLocation: sourceLocation)
        #expect(outcome.status == 1, sourceLocation: sourceLocation)
        #expect(outcome.json?["code"]?.integerValue == Int(code.rawValue), "\(outcome.stdout)", sourceLocation: sourceLocation)
        #expect(outcome.json?["msg"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(outcome.json?["cniVersion"] == .string(version), sourceLocation: sourceLocation)
    }

    @Test("ADD prints the result in the configuration's version", arguments: CNIVersion.supported)
    func addPrintsResult(version: CNIVersion) throws {
        let plugin = RecordingPlugin(addResult: Self.result)
        let outcome = runPlugin(plugin, environment: Self.environment("ADD"), stdin: Self.config(version.description))
        #expect(outcome.status == 0)
        Self.expectOneDocument(outcome)
        let expected = try Self.result.json(for: version, versionText: version.description)
        #expect(outcome.json == expected)
        #expect(plugin.commands == [.add])
    }

    @Test("The request carries the validated variables, the configuration and the raw stdin")
    func requestContents() throws {
        let plugin = RecordingPlugin(addResult: Self.result)
        let stdin = Self.config(extra: #","prevResult":{"ips":[{"address":"10.0.0.9/24"}]}"#)
        _ = runPlugin(plugin, environment: Self.environment("ADD"), stdin: stdin)
        let request = try #require(plugin.requests.first)
        #expect(request.containerID == "c1")
        #expect(request.ifName == "eth0")
        #expect(request.netns == "/run/netns/c")
        #expect(request.searchPath == ["/opt/cni/bin"])
        #expect(request.arguments["K8S_POD_NAME"] == "p")
        #expect(request.configuration.name == "net1")
        #expect(request.configuration.prevResult?.ips.first?.address == IPNetwork("10.0.0.9/24"))
        #expect(request.stdin == Array(stdin.utf8))
        #expect(request.attachment == Attachment(containerID: "c1", ifName: "eth0"))
    }

    static let withPrevResult = Self.config(extra: #","prevResult":{"ips":[{"address":"10.0.0.5/24"}]}"#)

    @Test("DEL, CHECK, STATUS and GC print nothing on success", arguments: ["DEL", "CHECK", "STATUS", "GC"])
    func silentSuccess(verb: String) {
        let plugin = RecordingPlugin()
        let outcome = runPlugin(plugin, environment: Self.environment(verb), stdin: Self.withPrevResult)
        #expect(outcome.status == 0)
        #expect(outcome.stdout.isEmpty)
        #expect(plugin.requests.count == 1)
    }

    @Test("DEL works without CNI_NETNS")
    func deleteWithoutNetns() {
        let plugin = RecordingPlugin()
        let outcome = runPlugin(plugin, environment: Self.environment("DEL", netns: nil), stdin: Self.config("0.3.1"))
        #expect(outcome.status == 0)
        #expect(plugin.requests.first?.netns == "")
    }

    @Test("VERSION prints the version report and never reads stdin")
    func version() {
        let plugin = RecordingPlugin()
        let outcome = runPlugin(plugin, environment: ["CNI_COMMAND": "VERSION", "CNI_IFNAME": "dummy"], stdin: "not json")
        #expect(outcome.status == 0)
        Self.expectOneDocument(outcome)
        #expect(outcome.json == CNIVersion.versionInfo)
        #expect(outcome.json?["supportedVersions"]?.arrayValue?.count == 7)
        #expect(outcome.stdinReads == 0)
        #expect(plugin.requests.isEmpty)
    }

    @Test("No CNI_COMMAND prints the about line to stderr only and succeeds", arguments: [[:], ["CNI_COMMAND": ""]])
    func about(environment: [String: String]) {
        let outcome = runPlugin(RecordingPlugin(), environment: environment)
        #expect(outcome.status == 0)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr == PluginRunner.aboutLine + "\n")
        #expect(outcome.stderr.contains("0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0"))
    }

    @Test("Protocol errors map to their codes before the plugin is called", arguments: [
        ("ADD", [:], Self.config(), CNIError.Code.invalidEnvironmentVariables, "1.1.0"),
        ("INIT", [:], Self.config(), .invalidEnvironmentVariables, "1.1.0"),
        ("ADD", ["CNI_IFNAME": "a:b"], Self.config(), .invalidEnvironmentVariables, "1.1.0"),
        ("ADD", [:], "{nope", .decodingFailure, "1.1.0"),
        ("ADD", [:], Self.config("0.5.0"), .incompatibleCNIVersion, "1.1.0"),
        ("ADD", [:], #"{"cniVersion":"0.4.0","name":"bad name"}"#, .invalidNetworkConfig, "0.4.0"),
        ("ADD", [:], #"{"cniVersion":"0.4.0"}"#, .invalidNetworkConfig, "0.4.0"),
        ("CHECK", [:], Self.config("0.3.1"), .incompatibleCNIVersion, "0.3.1"),
        ("CHECK", [:], Self.config("1.0.0"), .invalidNetworkConfig, "1.0.0"),
        ("STATUS", [:], Self.config("1.0.0"), .incompatibleCNIVersion, "1.0.0"),
        ("GC", [:], Self.config("0.4.0"), .incompatibleCNIVersion, "0.4.0"),
        ("DEL", [:], Self.config("1.0.0", extra: #","prevResult":{"ips":[{"address":"x"}]}"#), .invalidNetworkConfig, "1.0.0"),
    ] as [(String, [String: String], String, CNIError.Code, String)])
    func protocolErrors(verb: String, overrides: [String: String], stdin: String, code: CNIError.Code, version: String) {
        var environment = verb == "ADD" && overrides.isEmpty && code == .invalidEnvironmentVariables
            ? ["CNI_COMMAND": verb] : Self.environment(verb)
        environment.merge(overrides) { $1 }
        let plugin = RecordingPlugin()
        let outcome = runPlugin(plugin, environment: environment, stdin: stdin)
        Self.expectError(outcome, code: code, version: version)
        #expect(plugin.requests.isEmpty)
        #expect(outcome.stderr.contains("failed"))
    }

    @Test("A stdin read failure is code 5")
    func stdinFailure() {
        struct Broken: Error, Sendable {}
        let outcome = runPlugin(RecordingPlugin(), environment: Self.environment("ADD"), stdinFailure: Broken())
        Self.expectError(outcome, code: .ioFailure)
    }

    struct LayerError: CNIErrorConvertible {
        var cniError: CNIError { CNIError(.tryAgainLater, "lease store locked") }
    }

    struct Untyped: Error, CustomStringConvertible {
        var description: String { "something odd" }
    }

    @Test("Plugin errors: CNIError passes through, convertible errors convert, others become 999")
    func pluginErrors() {
        let cases: [(any Error, CNIError.Code, String)] = [
            (CNIError(CNIError.Code(rawValue: 120), "own code", details: "d"), CNIError.Code(rawValue: 120), "own code"),
            (LayerError(), .tryAgainLater, "lease store locked"),
            (Untyped(), .internal, "something odd"),
        ]
        for (failure, code, message) in cases {
            let outcome = runPlugin(RecordingPlugin(failure: failure), environment: Self.environment("DEL"),
                                    stdin: Self.config("0.4.0"))
            Self.expectError(outcome, code: code, version: "0.4.0")
            #expect(outcome.json?["msg"] == .string(message))
        }
    }

    @Test("An ADD result that the configuration's version cannot express is an error, still one document")
    func unexpressibleResult() {
        let plugin = RecordingPlugin(addResult: CNIResult(interfaces: [.init(name: "eth0")]))
        let outcome = runPlugin(plugin, environment: Self.environment("ADD"), stdin: Self.config("0.2.0"))
        Self.expectError(outcome, code: .incompatibleCNIVersion, version: "0.2.0")
    }
}
