#if canImport(Glibc)
import CNetlinkShims

/// One received netlink message, copied out of its datagram.
struct NetlinkMessage {
    var type: UInt16
    var flags: UInt16
    var sequence: UInt32
    var portID: UInt32
    /// Everything after the 16-byte header.
    var payload: ArraySlice<UInt8>

    static let headerSize = 16

    /// Splits a datagram into messages, validating every length against the datagram.
    static func split(_ datagram: [UInt8]) -> [NetlinkMessage]? {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while offset + headerSize <= datagram.count {
            let length = Int(datagram.loadU32(at: offset))
            guard length >= headerSize, offset + length <= datagram.count else { return nil }
            messages.append(NetlinkMessage(
                type: datagram.loadU16(at: offset + 4),
                flags: datagram.loadU16(at: offset + 6),
                sequence: datagram.loadU32(at: offset + 8),
                portID: datagram.loadU32(at: offset + 12),
                payload: datagram[(offset + headerSize)..<(offset + length)]
            ))
            offset += align4(length)
        }
        return messages
    }
}

/// The attributes of a message or nest, in wire order. Types have NLA_F_NESTED and
/// NLA_F_NET_BYTEORDER masked off.
struct AttributeList {
    private(set) var entries: [(type: UInt16, value: ArraySlice<UInt8>)] = []

    /// Parses attributes from `bytes`; a truncated trailing attribute ends the list.
    init(_ bytes: ArraySlice<UInt8>) {
        var offset = bytes.startIndex
        while offset + 4 <= bytes.endIndex {
            let length = Int(bytes.loadU16(at: offset))
            guard length >= 4, offset + length <= bytes.endIndex else { break }
            let type = bytes.loadU16(at: offset + 2) & 0x3FFF  // NLA_TYPE_MASK: drop NLA_F_NESTED and NLA_F_NET_BYTEORDER
            entries.append((type, bytes[(offset + 4)..<(offset + length)]))
            offset += align4(length)
        }
    }

    /// The first attribute of this type.
    subscript(_ type: Int) -> ArraySlice<UInt8>? {
        entries.first { $0.type == UInt16(type) }?.value
    }

    func all(_ type: Int) -> [ArraySlice<UInt8>] {
        entries.filter { $0.type == UInt16(type) }.map(\.value)
    }

    func nested(_ type: Int) -> AttributeList? { self[type].map(AttributeList.init) }

    func u8(_ type: Int) -> UInt8? { self[type].flatMap { $0.count >= 1 ? $0[$0.startIndex] : nil } }
    func u16(_ type: Int) -> UInt16? { self[type].flatMap { $0.count >= 2 ? $0.loadU16(at: $0.startIndex) : nil } }
    func u32(_ type: Int) -> UInt32? { self[type].flatMap { $0.count >= 4 ? $0.loadU32(at: $0.startIndex) : nil } }
    func i32(_ type: Int) -> Int32? { u32(type).map { Int32(bitPattern: $0) } }

    /// A string attribute without its terminating NUL.
    func string(_ type: Int) -> String? {
        self[type].map { value in String(decoding: value.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

@inline(__always)
func align4(_ length: Int) -> Int { (length + 3) & ~3 }

extension Collection where Element == UInt8, Index == Int {
    /// Host-byte-order loads at any alignment (netlink only guarantees 4, and slices none).
    func loadU16(at offset: Int) -> UInt16 {
        UInt16(littleEndian: UInt16(self[offset]) | UInt16(self[offset + 1]) << 8)
    }

    func loadU32(at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for byte in 0..<4 { value |= UInt32(self[offset + byte]) << (8 * byte) }
        return UInt32(littleEndian: value)
    }
}
#endif
