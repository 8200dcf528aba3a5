// libFuzzer target: the JSON parser. Any document it accepts must print and parse back to the
// same value, and printing must be stable (print, parse, print gives the same text).
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
    return 0
}
