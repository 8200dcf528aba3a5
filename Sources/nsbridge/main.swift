// The nsbridge executable: read the environment and stdin, run the plugin, exit with its status.
// Everything else lives in the libraries; see PluginRunner for the protocol rules. The program is
// synchronous on purpose (setns binds only the calling thread), and it behaves the same whatever
// name it is installed under.
import BridgePlugin
import CNIProtocol

#if canImport(Glibc)
import Glibc
#endif

let environment = ProcessIO.environment()
let runner = PluginRunner(
    environment: environment,
    // One byte past the limit is enough for the runner to refuse an oversized configuration.
    readStdin: { try ProcessIO.readStandardInput(limit: PluginRunner.maximumConfigurationSize + 1) },
    writeStdout: { ProcessIO.write($0, to: STDOUT_FILENO) },
    writeStderr: { ProcessIO.write($0, to: STDERR_FILENO) }
)
let overridesNamespaceCheck = ["1", "true"].contains(environment["CNI_NETNS_OVERRIDE"]?.lowercased() ?? "")
exit(runner.run(BridgePlugin(dependencies: LiveDependencies(allowOwnNamespace: overridesNamespaceCheck))))
