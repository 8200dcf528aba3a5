/// The `CNI_*` environment variables of one invocation, validated against ``rule(for:)``.
///
/// Every verb's needs live in one table instead of a switch per verb, so the rules can be read
/// (and tested) in one place. Validation collects every problem before failing, so the runtime
/// learns about all missing or malformed variables from a single error.
public struct PluginEnvironment: Equatable, Sendable {
    /// The variables a plugin reads, by their environment names.
    public enum Variable: String, CaseIterable, Sendable {
        case command = "CNI_COMMAND"
        case containerID = "CNI_CONTAINERID"
        case netns = "CNI_NETNS"
        case ifName = "CNI_IFNAME"
        case arguments = "CNI_ARGS"
        case path = "CNI_PATH"
    }

    /// What one verb requires.
    public struct Rule: Sendable {
        public var command: CNICommand
        /// Variables that must be set and non-empty.
        public var required: [Variable]
        /// Variables read when present; any other is ignored and reads as empty.
        public var optional: [Variable]
        /// The oldest configuration `cniVersion` in which the verb exists.
        public var minimumVersion: CNIVersion
        /// Whether the configuration must carry `prevResult` (CHECK compares against it).
        public var needsPreviousResult = false

        /// Whether the verb reads the network configuration from stdin at all.
        public var readsConfiguration: Bool { command != .version }
    }

    /// The table. `CNI_PATH` is required wherever the reference skeleton requires it (ADD, DEL,
    /// CHECK) and for GC, whose spec text lists it; STATUS needs only `CNI_COMMAND`, as the spec
    /// lists nothing for it. VERSION reads nothing else: libcni sends dummy values.
    public static let rules: [Rule] = [
        Rule(command: .add, required: [.containerID, .netns, .ifName, .path], optional: [.arguments],
             minimumVersion: .v0_1_0),
        Rule(command: .delete, required: [.containerID, .ifName, .path], optional: [.netns, .arguments],
             minimumVersion: .v0_1_0),
        Rule(command: .check, required: [.containerID, .netns, .ifName, .path], optional: [.arguments],
             minimumVersion: .v0_4_0, needsPreviousResult: true),
        Rule(command: .status, required: [], optional: [.path], minimumVersion: .v1_1_0),
        Rule(command: .garbageCollect, required: [.path], optional: [], minimumVersion: .v1_1_0),
        Rule(command: .version, required: [], optional: [], minimumVersion: .v0_1_0),
    ]

    /// The rule for `command`.
    public static func rule(for command: CNICommand) -> Rule {
        // The table covers every case; the fallback only keeps this total without a trap.
        rules.first { $0.command == command } ?? Rule(command: command, required: [], optional: [], minimumVersion: .v0_1_0)
    }

    public var command: CNICommand
    /// `CNI_CONTAINERID`; empty where the verb does not read it (see ``Rule/optional``).
    public var containerID: String
    /// `CNI_NETNS`; empty when unset (allowed for DEL).
    public var netns: String
    /// `CNI_IFNAME`; empty where the verb does not use it.
    public var ifName: String
    public var arguments: CNIArguments
    /// `CNI_PATH` split on `:`, empty entries dropped.
    public var searchPath: [String]

    public var rule: Rule { Self.rule(for: command) }

    /// Variables given as values, unchecked: for requests built in code (tests, the operator
    /// tool, delegated calls), where ``init(parsing:)`` has nothing to read.
    public init(command: CNICommand, containerID: String = "", netns: String = "", ifName: String = "",
                arguments: CNIArguments = CNIArguments(), searchPath: [String] = []) {
        self.command = command
        self.containerID = containerID
        self.netns = netns
        self.ifName = ifName
        self.arguments = arguments
        self.searchPath = searchPath
    }

    /// Reads and validates the variables for the verb named by `CNI_COMMAND`.
    ///
    /// An unset or empty `CNI_COMMAND` is not handled here: the runner prints its "about" line
    /// for that case before calling this.
    /// - Throws: code 4 naming an unknown verb, or naming every missing or invalid variable.
    public init(parsing environment: [String: String]) throws(CNIError) {
        let verb = environment[Variable.command.rawValue] ?? ""
        guard let command = CNICommand(rawValue: verb) else {
            let known = CNICommand.allCases.map(\.rawValue).joined(separator: ", ")
            throw CNIError(.invalidEnvironmentVariables, "unknown CNI_COMMAND: \(verb)",
                           details: "supported commands: \(known)")
        }
        self.command = command
        let rule = Self.rule(for: command)
        func value(_ variable: Variable) -> String {
            guard rule.required.contains(variable) || rule.optional.contains(variable) else { return "" }
            return environment[variable.rawValue] ?? ""
        }
        containerID = value(.containerID)
        netns = value(.netns)
        ifName = value(.ifName)
        searchPath = value(.path).split(separator: ":").map(String.init)
        arguments = CNIArguments()

        var problems = rule.required.filter { value($0).isEmpty }.map { Problem(variable: $0, reason: nil) }
        problems += validationProblems(rule: rule)
        do {
            arguments = try CNIArguments(parsing: value(.arguments))
        } catch {
            problems.append(Problem(variable: .arguments, reason: error.message))
        }
        guard problems.isEmpty else { throw Self.error(for: problems) }
    }

    /// One missing (`reason == nil`) or invalid variable.
    private struct Problem {
        var variable: Variable
        var reason: String?

        var text: String {
            guard let reason else { return "\(variable.rawValue) is not set" }
            return reason
        }
    }

    /// Checks the values that are set; missing ones are reported by the caller.
    private func validationProblems(rule: Rule) -> [Problem] {
        var problems: [Problem] = []
        if rule.required.contains(.containerID), !containerID.isEmpty,
            let reason = Self.containerIDProblem(containerID)
        {
            problems.append(Problem(variable: .containerID, reason: "CNI_CONTAINERID \"\(containerID)\" \(reason)"))
        }
        if rule.required.contains(.ifName), !ifName.isEmpty, let reason = Self.interfaceNameProblem(ifName) {
            problems.append(Problem(variable: .ifName, reason: "CNI_IFNAME \"\(ifName)\" \(reason)"))
        }
        return problems
    }

    private static func error(for problems: [Problem]) -> CNIError {
        var names: [String] = []
        for problem in problems where !names.contains(problem.variable.rawValue) {
            names.append(problem.variable.rawValue)
        }
        let allMissing = problems.allSatisfy { $0.reason == nil }
        let summary = allMissing ? "required environment variables missing" : "missing or invalid environment variables"
        return CNIError(.invalidEnvironmentVariables, "\(summary): \(names.joined(separator: ", "))",
                        details: problems.map(\.text).joined(separator: "; "))
    }
}

extension PluginEnvironment {
    /// Why `id` is not a valid container ID (`^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`), or `nil`.
    public static func containerIDProblem(_ id: String) -> String? {
        isIdentifier(id) ? nil : "must start with a letter or digit and contain only letters, digits, '_', '.' and '-'"
    }

    /// Why `name` cannot be a Linux interface name, or `nil`: it must be 1–15 bytes, not `.` or
    /// `..`, and contain no `/`, `:` or whitespace (the kernel's `dev_valid_name` plus `:`).
    public static func interfaceNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.utf8.count > 15 { return "is longer than 15 bytes" }
        if name == "." || name == ".." { return "must not be \".\" or \"..\"" }
        for scalar in name.unicodeScalars {
            if scalar == "/" { return "must not contain '/'" }
            if scalar == ":" { return "must not contain ':'" }
            if scalar.properties.isWhitespace { return "must not contain whitespace" }
        }
        return nil
    }

    /// Whether `text` matches `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`, the rule for container IDs and
    /// network names.
    public static func isIdentifier(_ text: String) -> Bool {
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard let first = text.utf8.first, isAlphanumeric(first) else { return false }
        return text.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }
}
