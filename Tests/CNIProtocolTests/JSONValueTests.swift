import CNIProtocol
import Testing

@Suite("JSON parsing and printing")
struct JSONValueTests {
    @Test("Printing sorts keys and leaves slashes alone")
    func sortedOutput() throws {
        let value = try JSONValue(parsing: #"{"z":1,"a":{"y":[true,null,"/run/netns/x"],"b":-2.5},"m":"é\n\"q\""}"#)
        #expect(value.serialized() == #"{"a":{"b":-2.5,"y":[true,null,"/run/netns/x"]},"m":"é\n\"q\"","z":1}"#)
    }

    @Test("Members match as Go's encoding/json matches fields: exact first, then ignoring ASCII case")
    func goStyleMemberLookup() throws {
        let value = try JSONValue(parsing: #"{"HostPort":30080,"hostIP":"","hostip":"x","Straße":1}"#)
        #expect(value["hostPort"] == .integer(30080))
        #expect(value["HOSTPORT"] == .integer(30080))
        #expect(value["hostip"] == .string("x"))
        #expect(value["hostIP"] == .string(""))
        #expect(value["hostPorts"] == nil)
        #expect(value["STRASSE"] == nil)
        #expect(value["straße"] == .integer(1))
        #expect(value["Host_Port"] == nil)
    }

    @Test("Escapes and surrogate pairs decode")
    func escapes() throws {
        let value = try JSONValue(parsing: #""\u00e9\ud83d\ude00\/\t""#)
        #expect(value == .string("é😀/\t"))
    }

    @Test("Large integers stay exact")
    func integers() throws {
        #expect(try JSONValue(parsing: "9007199254740993") == .integer(9_007_199_254_740_993))
        #expect(try JSONValue(parsing: "1e3") == .double(1000))
    }

    @Test("Malformed documents are refused", arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "01", "\"\u{01}\"", "{} x", "1.", "-"])
    func refused(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }
}
