/// The command line of the operator tool: `nsbridge <command> [options]`.
///
/// A small hand-written parser: swift-argument-parser would be linked into the one binary that
/// every CNI call starts, for four commands and six options.
struct ToolOptions: Equatable {
    enum Command: String, CaseIterable {
        case ls, doctor, reclaim, repair, help
    }

    var command: Command
    var conf: String?
    var confDir: String?
    var json = false
    var apply = false
    var help = false
    /// Seconds a new reservation is left alone by `reclaim`.
    var graceSeconds: Int64 = 120
    /// libcni's cache directory, where runtimes keep what they passed at ADD (`results/`).
    var cacheDir = "/var/lib/cni"

    struct UsageError: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> ToolOptions {
        guard let first = arguments.first else { throw UsageError(description: "no command given") }
        if first == "--help" || first == "-h" { return ToolOptions(command: .help) }
        if first == "--version" { return ToolOptions(command: .help, help: true) }
        guard let command = Command(rawValue: first) else {
            throw UsageError(description: "unknown command \"\(first)\"")
        }
        var options = ToolOptions(command: command)
        var rest = arguments.dropFirst()[...]
        while let argument = rest.popFirst() {
            try options.apply(argument, from: &rest)
        }
        return options
    }

    private mutating func apply(_ argument: String, from rest: inout ArraySlice<String>) throws(UsageError) {
        let (name, inline) = Self.split(argument)
        func value() throws(UsageError) -> String {
            if let inline { return inline }
            guard let next = rest.popFirst(), !next.hasPrefix("--") else {
                throw UsageError(description: "\(name) needs a value")
            }
            return next
        }
        switch name {
        case "--conf": conf = try value()
        case "--conf-dir": confDir = try value()
        case "--json": json = true
        case "--cache-dir" where command == .ls || command == .repair: cacheDir = try value()
        case "--help", "-h": help = true
        case "--apply" where command == .reclaim: apply = true
        case "--grace" where command == .reclaim:
            let text = try value()
            guard let seconds = Int64(text), seconds >= 0 else {
                throw UsageError(description: "--grace needs a number of seconds, not \"\(text)\"")
            }
            graceSeconds = seconds
        default:
            throw UsageError(description: "\(command.rawValue) has no option \(argument)")
        }
    }

    /// `--conf=FILE` → (`--conf`, `FILE`).
    private static func split(_ argument: String) -> (String, String?) {
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }
}
