import BridgePlugin
import CNIProtocol

/// `nsbridge repair`: ``FirewallRepair`` for each selected network.
struct RepairCommand {
    let options: ToolOptions
    let output: ToolOutput

    func run() throws -> Int32 {
        let dependencies = LiveDependencies()
        var reports: [JSONValue] = []
        var text = ""
        var failed = false
        for network in try NetworkSelection.networks(options) {
            do {
                let restored = try FirewallRepair(request: network.request, dependencies: dependencies).run()
                reports.append(.object(["network": .string(network.name), "restored": .array(restored.map(JSONValue.string))]))
                text += restored.isEmpty ? "\(network.name): nothing missing\n"
                    : "\(network.name): restored \(restored.count) item(s) in one transaction:\n"
                        + restored.map { "  \($0)\n" }.joined()
            } catch {
                failed = true
                let message = PluginRunner.cniError(from: error).description
                reports.append(.object(["network": .string(network.name), "error": .string(message)]))
                text += "\(network.name): repair failed: \(message)\n"
            }
        }
        output.print(options.json ? JSONValue.array(reports).serialized() + "\n" : text)
        return failed ? ExitStatus.problems : ExitStatus.ok
    }
}
