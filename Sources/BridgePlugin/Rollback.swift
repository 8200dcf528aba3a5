import CNIProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The undo list of an ADD: each step that creates something registers how to remove it, and a
/// failed ADD runs them in reverse so that nothing it made is left behind.
struct Rollback {
    private var undos: [(step: String, undo: () throws -> Void)] = []

    mutating func register(_ step: String, _ undo: @escaping () throws -> Void) {
        undos.append((step, undo))
    }

    /// Runs every undo, newest first. A failing undo is logged and the rest still run: the
    /// runtime's DEL that follows a failed ADD cleans up whatever remains.
    func run(log: (String) -> Void) {
        for (step, undo) in undos.reversed() {
            do {
                try undo()
            } catch {
                log("nsbridge: rollback of \(step) failed: \(error)")
            }
        }
    }
}

/// Errors collected during a teardown that keeps going past each one.
struct TeardownErrors {
    private(set) var failures: [String] = []

    mutating func collect(_ step: String, _ body: () throws -> Void) {
        do {
            try body()
        } catch {
            failures.append("\(step): \(error)")
        }
    }

    /// The body's value, or `nil` with the failure recorded.
    mutating func value<T>(_ step: String, _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch {
            failures.append("\(step): \(error)")
            return nil
        }
    }

    func merged(with other: TeardownErrors) -> TeardownErrors {
        var merged = self
        merged.failures += other.failures
        return merged
    }

    /// Throws one error listing every failure, if there were any.
    func throwIfAny(_ summary: String) throws {
        guard !failures.isEmpty else { return }
        throw CNIError(.teardownIncomplete, summary, details: failures.joined(separator: "; "))
    }
}

/// Writes a line to stderr; logs never go to stdout, which carries only the CNI answer.
public func logToStderr(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}
