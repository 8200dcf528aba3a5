import CNITestSupport
import Testing

/// How `main` chooses between the CNI plugin and the operator's tool.
@Suite("nsbridge executable: CNI plugin or operator tool")
struct ToolModeContractTests {
    static let binary = PluginProcess.builtProduct(named: "nsbridge")

    @Test("Arguments without CNI_COMMAND run the tool: --help on stdout, exit 0")
    func help() throws {
        let outcome = try PluginProcess.run(Self.binary, arguments: ["--help"], environment: [:])
        #expect(outcome.status == 0)
        #expect(outcome.stdoutText.contains("usage: nsbridge <command>"))
    }

    @Test("A usage error exits 2 and says so on stderr, with nothing on stdout")
    func usageError() throws {
        let outcome = try PluginProcess.run(Self.binary, arguments: ["ls", "--no-such-option"], environment: [:])
        #expect(outcome.status == 2)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderrText.contains("ls has no option --no-such-option"))
    }

    @Test("An unreadable configuration exits 3 naming the file")
    func unreadable() throws {
        let outcome = try PluginProcess.run(Self.binary, arguments: ["ls", "--conf", "/nonexistent/x.conflist"], environment: [:])
        #expect(outcome.status == 3)
        #expect(outcome.stderrText.contains("/nonexistent/x.conflist"))
    }

    @Test("With CNI_COMMAND set, arguments are ignored and the plugin answers")
    func pluginWins() throws {
        let outcome = try PluginProcess.run(Self.binary, arguments: ["ls"], environment: ["CNI_COMMAND": "VERSION"])
        #expect(outcome.status == 0)
        #expect(outcome.json?["supportedVersions"] != nil)
    }
}
