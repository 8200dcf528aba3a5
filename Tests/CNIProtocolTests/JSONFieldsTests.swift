import CNIProtocol
import Testing

/// The one typed accessor every decoder reads keys through.
@Suite("Typed member access: absent and null are nil, a wrong type names the key")
struct JSONFieldsTests {
    static let sample: [String: JSONValue] = [
        "name": "n", "MTU": 1500, "flag": true, "textFlag": "false", "nothing": nil,
        "list": ["a", "b"], "mixed": ["a", 1], "nested": ["inner": 7], "cidr": "10.1.0.0/16", "empty": "",
    ]

    @Test("Present members read as their type; names match exactly, else ignoring ASCII case")
    func presentMembers() throws {
        let fields = JSONFields(Self.sample)
        #expect(try fields.string("name") == "n")
        #expect(try fields.value("mtu", as: Int.self) == 1500)
        #expect(try fields.bool("flag"))
        #expect(try fields.bool("textFlag", default: true) == false, "the string \"false\" reads as false")
        #expect(try fields.strings("list") == ["a", "b"])
        #expect(try fields.object("nested")?.value("inner", as: Int.self) == 7)
        #expect(try fields.network("cidr") == IPNetwork("10.1.0.0/16"))
    }

    @Test("Absent and null members read as nil, empty or the default")
    func absentMembers() throws {
        let fields = JSONFields(Self.sample)
        for key in ["missing", "nothing"] {
            #expect(try fields.string(key) == nil)
            #expect(try fields.bool(key, default: true))
            #expect(try fields.array(key).isEmpty)
            #expect(try fields.strings(key).isEmpty)
            #expect(try fields.object(key) == nil)
            #expect(fields.present(key) == nil)
        }
        #expect(try fields.address("empty") == nil, "an empty address reads as absent, as in the reference library")
    }

    @Test("A member of the wrong type is the fields' code, naming the path, the expected type and the value",
          arguments: [
              ("name", "\"ipam.name\" must be an integer, not string \"n\""),
              ("flag", "\"ipam.flag\" must be a list, not boolean true"),
              ("mixed", "\"ipam.mixed\" must be a list of strings, not array [\"a\",1]"),
              ("nested", "\"ipam.nested\" must be a string, not object {\"inner\":7}"),
          ])
    func wrongType(key: String, message: String) {
        let fields = JSONFields(Self.sample, at: "ipam")
        let failure: CNIError?
        do {
            switch key {
            case "name": _ = try fields.value(key, as: Int.self)
            case "flag": _ = try fields.array(key)
            case "mixed": _ = try fields.strings(key)
            default: _ = try fields.string(key)
            }
            failure = nil
        } catch { failure = error }
        #expect(failure?.code == .invalidNetworkConfig)
        #expect(failure?.message == message)
    }

    @Test("Results use code 6 and their own context; out-of-range integers are refused, not clamped")
    func resultContextAndRanges() throws {
        let fields = try JSONFields(["ips": [["mtu": 70000]]], at: "result", code: .decodingFailure, context: "invalid result: ")
        let entry = try fields.element(try fields.array("ips")[0], of: "ips", at: 0)
        #expect(throws: CNIError(.decodingFailure, "invalid result: \"result.ips[0].mtu\" 70000 is out of range 0–65535")) {
            _ = try entry.integer("mtu", in: 0...65535)
        }
        #expect(throws: CNIError(.decodingFailure, "invalid result: \"result\" must be an object, not number 1")) {
            _ = try JSONFields(1, at: "result", code: .decodingFailure, context: "invalid result: ")
        }
    }

    @Test("A long value is named by its type only, so a message stays one line")
    func longValues() {
        let long = JSONValue.string(String(repeating: "x", count: 100))
        #expect(throws: CNIError(.invalidNetworkConfig, "\"k\" must be an integer, not string")) {
            _ = try JSONFields(["k": long]).value("k", as: Int.self)
        }
    }
}
