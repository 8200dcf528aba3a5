import CNIProtocol
import Testing

@Suite("CNI_* environment table")
struct PluginEnvironmentTests {
    /// A complete attachment environment; each test removes or changes what it needs.
    static let complete: [String: String] = [
        "CNI_CONTAINERID": "c0ffee", "CNI_NETNS": "/run/netns/test", "CNI_IFNAME": "eth0",
        "CNI_PATH": "/opt/cni/bin:/usr/lib/cni", "CNI_ARGS": "IgnoreUnknown=1;K8S_POD_NAME=web",
    ]

    static let requiredByVerb: [(String, [String])] = [
        ("ADD", ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"]),
        ("DEL", ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"]),
        ("CHECK", ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"]),
        ("STATUS", []),
        ("GC", ["CNI_PATH"]),
        ("VERSION", []),
    ]

    static func error(_ environment: [String: String]) -> CNIError? {
        do {
            _ = try PluginEnvironment(parsing: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test("A complete environment parses for every verb", arguments: CNICommand.allCases)
    func complete(command: CNICommand) throws {
        var environment = Self.complete
        environment["CNI_COMMAND"] = command.rawValue
        let parsed = try PluginEnvironment(parsing: environment)
        #expect(parsed.command == command)
        let attachmentVerbs: [CNICommand] = [.add, .delete, .check]
        #expect(parsed.searchPath.isEmpty == (command == .version))
        #expect((parsed.arguments["K8S_POD_NAME"] == "web") == attachmentVerbs.contains(command))
        #expect(parsed.containerID.isEmpty == !attachmentVerbs.contains(command))
    }

    @Test("GC and STATUS ignore attachment variables a runtime sends anyway")
    func attachmentIgnored() throws {
        for verb in ["GC", "STATUS"] {
            let parsed = try PluginEnvironment(parsing: [
                "CNI_COMMAND": verb, "CNI_PATH": "/opt/cni/bin", "CNI_CONTAINERID": "-bad", "CNI_IFNAME": "x/y",
                "CNI_NETNS": "/run/netns/x", "CNI_ARGS": "junk",
            ])
            #expect(parsed.containerID == "" && parsed.ifName == "" && parsed.netns == "")
        }
    }

    @Test("Each missing variable alone is code 4 and named", arguments: requiredByVerb)
    func eachMissing(verb: String, required: [String]) {
        for name in required {
            var environment = Self.complete
            environment["CNI_COMMAND"] = verb
            environment[name] = nil
            let error = Self.error(environment)
            #expect(error?.code == .invalidEnvironmentVariables)
            #expect(error?.message == "required environment variables missing: \(name)")
            // An empty value counts as missing, as in the reference skeleton.
            environment[name] = ""
            #expect(Self.error(environment)?.message == "required environment variables missing: \(name)")
        }
    }

    @Test("All missing variables are named in one error", arguments: requiredByVerb)
    func allMissing(verb: String, required: [String]) {
        let error = Self.error(["CNI_COMMAND": verb])
        if required.isEmpty {
            #expect(error == nil)
        } else {
            #expect(error?.code == .invalidEnvironmentVariables)
            #expect(error?.message == "required environment variables missing: \(required.joined(separator: ", "))")
            for name in required { #expect(error?.details.contains("\(name) is not set") == true) }
        }
    }

    @Test("DEL does not need CNI_NETNS; STATUS needs nothing but the verb")
    func optionalVariables() throws {
        var environment = Self.complete
        environment["CNI_COMMAND"] = "DEL"
        environment["CNI_NETNS"] = nil
        #expect(try PluginEnvironment(parsing: environment).netns == "")
        #expect(Self.error(["CNI_COMMAND": "STATUS"]) == nil)
    }

    @Test("VERSION ignores dummy and invalid values, as libcni sends them")
    func versionIgnoresValues() throws {
        let parsed = try PluginEnvironment(parsing: [
            "CNI_COMMAND": "VERSION", "CNI_CONTAINERID": "", "CNI_NETNS": "dummy", "CNI_IFNAME": "a/b:c d",
            "CNI_PATH": "dummy", "CNI_ARGS": "garbage",
        ])
        #expect(parsed.command == .version)
        #expect(parsed.ifName == "")
    }

    @Test("Unknown verbs are code 4 naming the verb", arguments: ["INIT", "FINALIZE", "add", "ADD ", "version"])
    func unknownVerb(verb: String) {
        let error = Self.error(["CNI_COMMAND": verb])
        #expect(error?.code == .invalidEnvironmentVariables)
        #expect(error?.message == "unknown CNI_COMMAND: \(verb)")
    }

    @Test("Invalid interface names are code 4", arguments: [
        "", "a234567890123456", ".", "..", "eth/0", "eth:0", "eth 0", "eth\t0", "éééééééé",
    ])
    func invalidInterfaceName(name: String) {
        #expect(PluginEnvironment.interfaceNameProblem(name) != nil)
        guard !name.isEmpty else { return }
        var environment = Self.complete
        environment["CNI_COMMAND"] = "ADD"
        environment["CNI_IFNAME"] = name
        let error = Self.error(environment)
        #expect(error?.code == .invalidEnvironmentVariables)
        #expect(error?.message == "missing or invalid environment variables: CNI_IFNAME")
    }

    @Test("Valid interface names pass", arguments: ["eth0", "a23456789012345", "net1.100", "é", "veth-a_b"])
    func validInterfaceName(name: String) {
        #expect(PluginEnvironment.interfaceNameProblem(name) == nil)
    }

    @Test("Container IDs follow ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
    func containerIDs() {
        for good in ["a", "0", "cnitool-77383ca0a0715733ca6f", "A.b_c-d"] {
            #expect(PluginEnvironment.containerIDProblem(good) == nil, "\(good)")
        }
        for bad in ["-a", "_a", ".a", "a/b", "a b", "a:b", "é", "a\n"] {
            #expect(PluginEnvironment.containerIDProblem(bad) != nil, "\(bad)")
        }
    }

    @Test("Missing and invalid variables are reported together")
    func mixedProblems() {
        let error = Self.error(["CNI_COMMAND": "ADD", "CNI_CONTAINERID": "bad id", "CNI_IFNAME": "x:y"])
        #expect(error?.message == "missing or invalid environment variables: CNI_NETNS, CNI_PATH, CNI_CONTAINERID, CNI_IFNAME")
        #expect(error?.details.contains("CNI_CONTAINERID \"bad id\"") == true)
        #expect(error?.details.contains("CNI_IFNAME \"x:y\" must not contain ':'") == true)
    }

    @Test("CNI_ARGS is lenient about keys but refuses items without '='")
    func arguments() throws {
        var environment = Self.complete
        environment["CNI_COMMAND"] = "ADD"
        environment["CNI_ARGS"] = "IgnoreUnknown=1;;K8S_POD_NAMESPACE=ns;MAC=0a:58:0a:00:00:05;EMPTY="
        let parsed = try PluginEnvironment(parsing: environment)
        #expect(parsed.arguments["MAC"] == "0a:58:0a:00:00:05")
        #expect(parsed.arguments["EMPTY"] == "")
        #expect(parsed.arguments["missing"] == nil)
        environment["CNI_ARGS"] = "IgnoreUnknown=1;novalue"
        let error = Self.error(environment)
        #expect(error?.code == .invalidEnvironmentVariables)
        #expect(error?.message.contains("CNI_ARGS") == true)
    }

    @Test("The table states each verb's minimum spec version")
    func minimumVersions() {
        #expect(PluginEnvironment.rule(for: .check).minimumVersion == .v0_4_0)
        #expect(PluginEnvironment.rule(for: .status).minimumVersion == .v1_1_0)
        #expect(PluginEnvironment.rule(for: .garbageCollect).minimumVersion == .v1_1_0)
        #expect(PluginEnvironment.rule(for: .add).minimumVersion == .v0_1_0)
        #expect(Set(PluginEnvironment.rules.map(\.command)) == Set(CNICommand.allCases))
    }
}
