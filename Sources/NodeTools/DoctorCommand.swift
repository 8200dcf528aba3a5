import CNIProtocol

/// One finding of `nsbridge doctor`.
struct Finding {
    enum Severity: String { case error, warning, info, ok }

    var check: String
    var severity: Severity
    var message: String
    /// What to do about it.
    var hint: String = ""
    var network: String?

    var json: JSONValue {
        .object([
            "check": .string(check), "severity": .string(severity.rawValue), "message": .string(message),
            "hint": .string(hint), "network": network.map(JSONValue.string) ?? .null,
        ])
    }
}

/// `nsbridge doctor`: node checks, then checks per network. Exit 1 only for errors.
struct DoctorCommand {
    let options: ToolOptions
    let output: ToolOutput

    func run() throws -> Int32 {
        let networks = try NetworkSelection.networks(options, required: options.conf != nil || options.confDir != nil)
        let node = NodeState.read()
        var findings = NodeChecks(node: node, networks: networks).run()
        for network in networks {
            findings += NetworkChecks(node: node, network: network).run().map { finding in
                var finding = finding
                finding.network = network.name
                return finding
            }
        }
        if let directory = options.conf == nil ? (options.confDir ?? NetworkSelection.defaultConfDir) : nil {
            findings += ConfigurationOrderCheck.run(directory: directory, networks: networks)
        }
        output.print(options.json ? JSONValue.array(findings.map(\.json)).serialized() + "\n" : Self.text(findings))
        return findings.contains { $0.severity == .error } ? ExitStatus.problems : ExitStatus.ok
    }

    static func text(_ findings: [Finding]) -> String {
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.filter { $0.severity == .warning }.count
        let lines = findings.map { finding in
            let scope = finding.network.map { "[\($0)] " } ?? ""
            let hint = finding.hint.isEmpty ? "" : "\n        fix: \(finding.hint)"
            return "\(finding.severity.rawValue.uppercased().padding(7)) \(finding.check): \(scope)\(finding.message)\(hint)\n"
        }
        return lines.joined() + "\(errors) error(s), \(warnings) warning(s)\n"
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
