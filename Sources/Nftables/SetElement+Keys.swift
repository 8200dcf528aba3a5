import CNIProtocol

extension SetElement {
    /// The key of an `ipv4_addr` or `ipv6_addr` element: the address in network order.
    public static func key(_ address: IPAddress) -> [UInt8] { address.bytes }

    /// The key of an `ifname` element: the name NUL-padded to `IFNAMSIZ` (16) bytes.
    public static func key(interfaceName name: String) -> [UInt8] {
        var bytes = Array(name.utf8.prefix(15))
        bytes += [UInt8](repeating: 0, count: 16 - bytes.count)
        return bytes
    }

    /// The key of an `ifname . ether_addr` element: each field padded to a 4-byte boundary.
    public static func key(interfaceName name: String, mac: [UInt8]) -> [UInt8] {
        key(interfaceName: name) + mac + [0, 0]
    }

    /// The key as `nft` would print it, for messages.
    static func describe(key: [UInt8], as type: SetKeyType) -> String {
        switch type {
        case .ipv4Address, .ipv6Address:
            return IPAddress(bytes: key).map(\.description) ?? hex(key)
        case .interfaceName:
            return "\"" + String(decoding: key.prefix { $0 != 0 }, as: UTF8.self) + "\""
        case .etherAddress:
            return key.prefix(6).map { hexByte($0) }.joined(separator: ":")
        case .inetProtocol:
            return key.first.map(protocolName) ?? hex(key)
        case .inetService:
            return key.count >= 2 ? String(UInt16(key[0]) << 8 | UInt16(key[1])) : hex(key)
        case .concatenation(let fields):
            var offset = 0
            var parts: [String] = []
            for field in fields {
                let end = min(key.count, offset + field.byteLength)
                parts.append(describe(key: Array(key[min(offset, end)..<end]), as: field))
                offset += (field.byteLength + 3) / 4 * 4
            }
            return parts.joined(separator: " . ")
        }
    }
}

func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
}

func hex(_ bytes: [UInt8]) -> String { bytes.map(hexByte).joined() }
