import CNIProtocol
import Testing

/// A parsed document decodes only its outermost value and keeps the containers inside as
/// slices of the input. None of that may show: lookups, iteration, equality, printing and
/// errors behave as if everything had been decoded at once.
@Suite("JSON lazy decoding")
struct JSONLazyDecodingTests {
    static func parse(_ text: String) throws -> JSONValue { try JSONValue(parsing: text) }

    /// The value with every container decoded, built only from the public accessors.
    static func fullyDecoded(_ value: JSONValue) -> JSONValue {
        if let members = value.objectValue { return .object(members.mapValues(fullyDecoded)) }
        if let elements = value.arrayValue { return .array(elements.map(fullyDecoded)) }
        if let text = value.stringValue { return .string(text) }
        return value
    }

    static func expectFailure(_ text: String, offset: Int, reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let value = try JSONValue(parsing: text)
            Issue.record("accepted: \(value.serialized())", sourceLocation: sourceLocation)
        } catch {
            #expect(error.offset == offset && error.reason == reason, "\(error)", sourceLocation: sourceLocation)
        }
    }

    static func isUnparsed(_ value: JSONValue?) -> Bool {
        if case .unparsed = value { return true }
        return false
    }

    @Test("Only the outermost value is decoded; nested containers wait until read")
    func nestedContainersStayUnparsed() throws {
        let value = try Self.parse(#"{"ipam": {"ranges": [[{"subnet": "10.0.0.0/24"}]]}, "mtu": 1500, "pad": [1, 2]}"#)
        guard case .object(let members) = value else { Issue.record("root not decoded: \(value)"); return }
        #expect(Self.isUnparsed(members["ipam"]))
        #expect(Self.isUnparsed(members["pad"]))
        #expect(members["mtu"] == 1500)
        let ranges = value["ipam"]?["ranges"]
        #expect(Self.isUnparsed(ranges))
        #expect(ranges?.arrayValue?.count == 1)
        #expect(Self.isUnparsed(ranges?.arrayValue?.first))
        #expect(ranges?.arrayValue?.first?.arrayValue?.first?["subnet"]?.stringValue == "10.0.0.0/24")
        #expect(value["ipam"]?.typeName == "object")
        #expect(value["pad"]?.typeName == "array")
    }

    @Test("Lookups in a decoded-later object match names as Go does")
    func caseInsensitiveMembers() throws {
        let value = try Self.parse(#"{"runtimeConfig": {"portMappings": [{"HostPort": 8080, "hostPort": 1}], "Bandwidth": {"ingressRate": 5}}}"#)
        let runtime = value["runtimeConfig"]
        #expect(runtime?["bandwidth"]?["IngressRate"]?.integerValue == 5)
        #expect(runtime?["portMappings"]?.arrayValue?.first?["HostPort"]?.integerValue == 8080)
        #expect(runtime?["portMappings"]?.arrayValue?.first?["hostport"]?.integerValue != nil)
        #expect(runtime?["missing"] == nil)
        #expect(runtime?.objectValue?.member("BANDWIDTH") != nil)
    }

    @Test("Equal to the same value built by hand or fully decoded, in both directions")
    func equality() throws {
        let text = #"{"a": {"b": [1, 2.5, "x", null, true, {}, []]}, "c": [{"d": {"e": []}}]}"#
        let value = try Self.parse(text)
        let built: JSONValue = ["a": ["b": [1, .double(2.5), "x", nil, true, [:], []]], "c": [["d": ["e": []]]]]
        #expect(value == built)
        #expect(built == value)
        #expect(value == Self.fullyDecoded(value))
        #expect(value == (try Self.parse(text)))
        #expect(value["a"] == built["a"])
        #expect(value != (try Self.parse(#"{"a": {"b": [1, 2.5, "x", null, true, {}, [0]]}, "c": [{"d": {"e": []}}]}"#)))
        #expect(value != (try Self.parse(#"{"a": {"b": [1, 2.5, "x", null, true, {}]}, "c": [{"d": {"e": []}}]}"#)))
        // An integer and a double stay different values, as before, even inside unparsed slices.
        #expect((try Self.parse("[[1]]")) != (try Self.parse("[[1.0]]")))
        #expect((try Self.parse("[[1]]"))["x"] == nil)
        #expect((try Self.parse(#"{"x": [1]}"#))["x"] != .object([:]))
    }

    @Test("Printing is identical whether or not the containers were decoded")
    func serializationUnchanged() throws {
        let value = try Self.parse(#" { "z" : [ 3 , { "b" : 1 , "a" : "\u00e9\n" } ] , "a" : { "y" : [ ] , "x" : { } } } "#)
        let expected = #"{"a":{"x":{},"y":[]},"z":[3,{"a":"é\n","b":1}]}"#
        #expect(value.serialized() == expected)
        #expect(Self.fullyDecoded(value).serialized() == expected)
        #expect(value["z"]?.serialized() == #"[3,{"a":"é\n","b":1}]"#)
        #expect(value["a"]?["x"]?.serialized() == "{}")
    }

    @Test("Generated documents: the lazy value prints and compares as the fully decoded one")
    func generatedDocuments() {
        var generator = JSONDocumentGenerator(seed: 0x6c61_7a79)
        var accepted = 0
        for _ in 0..<2000 {
            let document = generator.document()
            guard let value = try? JSONValue(parsing: document) else { continue }
            accepted += 1
            let eager = Self.fullyDecoded(value)
            #expect(value.serialized() == eager.serialized(), "\(String(decoding: document, as: UTF8.self))")
            #expect(value == eager && eager == value)
        }
        #expect(accepted > 500)
    }

    @Test("Invalid JSON anywhere, even in a container nobody reads, fails up front with its offset",
          arguments: [
              (#"{"a":{"b":[1,2,}]}}"#, 15, "unexpected character '}'"),
              (#"{"pad":[[1e400]]}"#, 9, "number 1e400 is out of range"),
              (#"{"pad":{"k":"a\qb"}}"#, 16, "invalid escape"),
              ("{\"pad\":[\"a\u{01}\"]}", 10, "control character in string"),
              (#"{"pad":[{"k" 1}]}"#, 13, "expected ':'"),
              (#"{"pad":[[tru]]}"#, 9, "invalid literal"),
              (#"{"pad":[{"k":1}"#, 15, "unterminated array"),
              (#"{"pad":[1]} x"#, 12, "unexpected data after the JSON value"),
          ])
    func invalidInsideUnreadContainers(text: String, offset: Int, reason: String) {
        Self.expectFailure(text, offset: offset, reason: reason)
    }

    @Test("Nesting deeper than 512 is refused inside an unparsed container too")
    func depthLimitInsideSlices() throws {
        let deep = "{\"pad\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        // The root object is the first level, so the 512th array is one too many.
        Self.expectFailure(deep, offset: 7 + 511, reason: "nesting deeper than 512")
        let allowed = "{\"pad\":" + String(repeating: "[", count: 511) + String(repeating: "]", count: 511) + "}"
        var value = try JSONValue(parsing: allowed)["pad"]
        var levels = 0
        while let inner = value?.arrayValue {
            levels += 1
            value = inner.first
        }
        #expect(levels == 511)
    }

    @Test("Strings with escapes and invalid UTF-8 decode as before")
    func stringDecoding() throws {
        let bytes: [UInt8] = Array(#"{"s":["a\n\u00e9\ud83d\ude00\ud800\u0041b"#.utf8) + [0xFF, 0xC3] + Array(#"\t", "plain"]}"#.utf8)
        let strings = try JSONValue(parsing: bytes)["s"]?.arrayValue?.compactMap(\.stringValue)
        #expect(strings == ["a\né😀\u{FFFD}Ab\u{FFFD}\u{FFFD}\t", "plain"])
    }

    @Test("A slice refers to the input instead of copying it")
    func slicesShareTheInput() throws {
        let pad = "[" + Array(repeating: "1", count: 1000).joined(separator: ",") + "]"
        let value = try Self.parse(#"{"pad":\#(pad)}"#)
        guard case .unparsed(let text) = value["pad"] else { Issue.record("pad was decoded"); return }
        #expect(text.byteCount == pad.utf8.count)
        #expect(value["pad"]?.arrayValue?.count == 1000)
    }
}

/// Long strings wait too, so one huge member costs its bytes once rather than twice.
@Suite("JSON lazy decoding of long strings")
struct JSONLongStringTests {
    @Test("A string over 1024 bytes stays unparsed and reads, compares and prints as a string")
    func longStrings() throws {
        let long = String(repeating: "a\\n", count: 400)  // 1200 bytes escaped, 800 decoded
        let value = try JSONValue(parsing: #"{"long": "\#(long)", "short": "\#(String(repeating: "b", count: 1024))"}"#)
        #expect(JSONLazyDecodingTests.isUnparsed(value["long"]))
        #expect(!JSONLazyDecodingTests.isUnparsed(value["short"]))
        let decoded = String(repeating: "a\n", count: 400)
        #expect(value["long"]?.stringValue == decoded)
        #expect(value["long"]?.typeName == "string")
        #expect(value["long"]?.arrayValue == nil && value["long"]?.objectValue == nil)
        #expect(value["long"] == .string(decoded) && .string(decoded) == value["long"])
        #expect(value["long"] != .string(decoded + "x"))
        #expect(value.serialized() == JSONValue.object(["long": .string(decoded), "short": .string(String(repeating: "b", count: 1024))]).serialized())
        #expect(try JSONFields(value, at: "").string("long") == decoded)
        #expect(throws: CNIError.self) { try JSONFields(value, at: "").value("long", as: Int.self) }
    }

    @Test("Inside arrays, long strings decode when the array is read")
    func longStringsInArrays() throws {
        let long = String(repeating: "é", count: 600)
        let value = try JSONValue(parsing: #"{"list": ["\#(long)", "x"]}"#)
        let list = value["list"]?.arrayValue
        #expect(JSONLazyDecodingTests.isUnparsed(list?.first))
        #expect(list?.compactMap(\.stringValue) == [long, "x"])
    }
}
