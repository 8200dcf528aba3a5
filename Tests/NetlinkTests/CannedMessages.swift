import CNITestSupport
import Testing

/// Tiny encoders for canned kernel replies (independent of the code under test).
enum Canned {
    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xff) } }

    /// One attribute, padded to 4 bytes.
    static func attribute(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
        var bytes = le16(UInt16(4 + value.count)) + le16(type) + value
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    static func string(_ type: UInt16, _ text: String) -> [UInt8] { attribute(type, Array(text.utf8) + [0]) }
    static func u32(_ type: UInt16, _ value: UInt32) -> [UInt8] { attribute(type, le32(value)) }
    static func nest(_ type: UInt16, _ content: [UInt8]...) -> [UInt8] { attribute(type | 0x8000, content.flatMap { $0 }) }

    /// A message with a zero sequence and port id (the recording transport stamps them).
    static func message(type: UInt16, flags: UInt16 = 0, _ payload: [UInt8]) -> [UInt8] {
        le32(UInt32(16 + payload.count)) + le16(type) + le16(flags) + le32(0) + le32(0) + payload
    }

    /// `struct ifinfomsg`.
    static func ifinfomsg(family: UInt8 = 0, type: UInt16 = 1, index: Int32, flags: UInt32 = 0) -> [UInt8] {
        [family, 0] + le16(type) + le32(UInt32(bitPattern: index)) + le32(flags) + le32(0)
    }
}

/// Compares bytes as grouped hex so a failure shows where they differ.
func expectBytes(_ actual: [UInt8]?, _ annotated: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let expected = NetlinkHex.bytes(annotated)
    #expect(NetlinkHex.string(actual ?? []) == NetlinkHex.string(expected), sourceLocation: sourceLocation)
}
