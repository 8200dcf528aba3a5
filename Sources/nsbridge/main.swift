// The nsbridge executable: read the environment and stdin, run the plugin, exit with its status.
// Everything else lives in the libraries; see PluginRunner for the protocol rules. The program is
// synchronous on purpose (setns binds only the calling thread), and it behaves the same whatever
// name it is installed under.
import BridgePlugin
import CNIProtocol
import InvocationLog
import NodeTools

#if canImport(Glibc)
import Glibc
#endif

// Runtimes set CNI_COMMAND and pass no arguments; a person who passes arguments without
// CNI_COMMAND gets the operator's tool. With CNI_COMMAND set, arguments are ignored as before.
// `argc` is read instead of `arguments`, which would build an array of strings on every CNI call.
if CommandLine.argc > 1 && getenv("CNI_COMMAND") == nil {
    exit(NodeTool.run(arguments: Array(CommandLine.arguments.dropFirst()),
                      output: ToolOutput(print: { ProcessIO.write($0, to: STDOUT_FILENO) },
                                         error: { ProcessIO.write($0, to: STDERR_FILENO) })))
}

let environment = ProcessIO.environment()
let log = InvocationLog(environment: environment, writeStderr: { ProcessIO.write($0, to: STDERR_FILENO) })
let runner = PluginRunner(
    environment: environment,
    readStdin: {
        // One byte past the limit is enough for the runner to refuse an oversized configuration.
        let stdin = try ProcessIO.readStandardInput(limit: PluginRunner.maximumConfigurationSize + 1)
        log.sawInput(stdin)
        return stdin
    },
    writeStdout: { log.sawOutput($0); ProcessIO.write($0, to: STDOUT_FILENO) },
    writeStderr: { ProcessIO.write($0, to: STDERR_FILENO) }
)
let overridesNamespaceCheck = ["1", "true"].contains(environment["CNI_NETNS_OVERRIDE"]?.lowercased() ?? "")
let status = runner.run(BridgePlugin(dependencies: LiveDependencies(allowOwnNamespace: overridesNamespaceCheck)))
log.finish(exitStatus: status)
exit(status)
