import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// Our JSON parser against Python's `json` on a generated corpus: valid documents of every
/// shape, and the same documents with a byte deleted, inserted or cut off. Accept and reject
/// must agree, and accepted values must be equal (fuzz/json_differential.py is the judge).
@Suite("JSON parser against Python's json")
struct JSONDifferentialTests {
    static let judge = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/json_differential.py").path

    @Test("3000 generated documents: same verdicts, same values")
    func agreesWithPython() throws {
        var generator = JSONDocumentGenerator(seed: 0x6e73_6272_6964_6765)
        var cases: [JSONValue] = []
        for _ in 0..<3000 {
            let document = generator.document()
            let ours = (try? JSONValue(parsing: document)).map { JSONValue.string($0.serialized()) } ?? .null
            let hex = document.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
            cases.append(["doc": .string(hex), "ours": ours])
        }
        let outcome = try PluginProcess.run("/usr/bin/python3", arguments: [Self.judge], environment: [:],
                                            stdin: Array(JSONValue.array(cases).serialized().utf8), timeoutSeconds: 120)
        #expect(outcome.status == 0, "\(outcome.stdoutText.split(separator: "\n").prefix(10).joined(separator: "\n"))")
        #expect(outcome.stderrText.contains("3000 documents"))
    }
}

/// Deterministic random JSON text: about half valid, half mutated.
struct JSONDocumentGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// Bytes that matter to a JSON parser, inserted to make near-miss documents.
    private static let significant = Array(#"{}[],:"\ 0-1eE.+tfnu"#.utf8)

    /// SplitMix64: small and reproducible from the seed on every platform.
    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func document() -> [UInt8] {
        var bytes = Array((space() + value(depth: 0) + space()).utf8)
        guard below(2) == 0, !bytes.isEmpty else { return bytes }
        let position = below(bytes.count)
        switch below(3) {
        case 0: bytes.remove(at: position)
        case 1: bytes.insert(Self.significant[below(Self.significant.count)], at: position)
        default: bytes.removeSubrange(position...)
        }
        return bytes
    }

    private mutating func space() -> String { ["", "", " ", "\n\t", "\r\n  "][below(5)] }

    private mutating func value(depth: Int) -> String {
        switch below(depth > 4 ? 4 : 6) {
        case 0: return ["true", "false", "null"][below(3)]
        case 1: return number()
        case 2, 3: return string()
        case 4: return "[" + (0..<below(4)).map { _ in space() + value(depth: depth + 1) + space() }.joined(separator: ",") + "]"
        default:
            let members = (0..<below(4)).map { _ in space() + string() + space() + ":" + space() + value(depth: depth + 1) }
            return "{" + members.joined(separator: ",") + space() + "}"
        }
    }

    private mutating func number() -> String {
        var text = below(3) == 0 ? "-" : ""
        let digits = below(5) == 0 ? 19 + below(6) : 1 + below(4)
        text += below(6) == 0 ? "0" : String(1 + below(9)) + (1..<digits).map { _ in String(below(10)) }.joined()
        if below(3) == 0 { text += "." + (0...below(4)).map { _ in String(below(10)) }.joined() }
        if below(4) == 0 { text += ["e", "E", "e+", "e-"][below(4)] + String([below(10), below(40), 300 + below(120)][below(3)]) }
        return text
    }

    private mutating func string() -> String {
        let pieces = [
            "a", "Z", " ", "é", "😀", "/", #"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\n"#, #"\r"#, #"\t"#,
            #"\u0041"#, #"\u00e9"#, #"\ud83d\ude00"#, #"\ud800"#, #"\udc00"#, #"\ud800\u0041"#, #"\ud800\ud800\udc00"#,
            #"\uDBFF\uDFFF"#, #"\u0000"#, #"\uFFFE"#,
        ]
        return "\"" + (0..<below(5)).map { _ in pieces[below(pieces.count)] }.joined() + "\""
    }
}
