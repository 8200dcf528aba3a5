// libFuzzer target: the JSON parser. Any document it accepts must print and parse back to the
// same value, and printing must be stable (print, parse, print gives the same text). A parsed
// value keeps its nested containers unparsed until read, so the same must hold once every
// container is decoded: equal both ways, printed the same, and every lookup answered the same.
import CNIProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONValue(parsing: bytes) else { return 0 }
    let printed = value.serialized()
    guard let reparsed = try? JSONValue(parsing: printed) else {
        fatalError("printed JSON does not parse: \(printed)")
    }
    guard reparsed == value || printed == reparsed.serialized() else {
        fatalError("JSON round trip changed the value: \(printed)")
    }
    let decoded = fullyDecoded(value)
    guard decoded.serialized() == printed, value == decoded, decoded == value else {
        fatalError("decoding the unparsed containers changed the value: \(printed)")
    }
    checkLookups(value)
    return 0
}

/// The value with every container decoded through the public accessors.
private func fullyDecoded(_ value: JSONValue) -> JSONValue {
    if let members = value.objectValue { return .object(members.mapValues(fullyDecoded)) }
    if let elements = value.arrayValue { return .array(elements.map(fullyDecoded)) }
    if let text = value.stringValue { return .string(text) }
    return value
}

/// Every member found by name, exactly and with its case flipped, in every object.
private func checkLookups(_ value: JSONValue) {
    if let members = value.objectValue {
        for (key, member) in members {
            guard value[key] == member else { fatalError("member \(key) not found by its own name") }
            guard value[flippingASCIICase(key)] != nil else { fatalError("member \(key) not found ignoring case") }
            checkLookups(member)
        }
    } else if let elements = value.arrayValue {
        elements.forEach(checkLookups)
    }
}

private func flippingASCIICase(_ text: String) -> String {
    String(decoding: text.utf8.map { byte in
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") ? byte ^ 0x20 : byte
    }, as: UTF8.self)
}
