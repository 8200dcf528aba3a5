#if canImport(Glibc)
import CNetlinkShims
import Glibc
import Netlink

/// A fake kernel for Netlink unit tests: records every request and answers from a script.
///
/// Each request consumes one `Reply` (an ack when the script is empty). Replies are stamped with
/// the request's sequence number and this transport's port id, so canned messages captured from a
/// real kernel can be replayed as they are.
public final class RecordingNetlinkTransport: NetlinkTransport {
    public enum Reply {
        /// A positive ack (NLMSG_ERROR with error 0).
        case ack
        /// A negative ack with a positive errno and an optional extended-ACK message.
        case error(Int32, kernelMessage: String? = nil)
        /// Complete messages (header included; sequence and port id are overwritten), followed by
        /// NLMSG_DONE for a dump request or an ack otherwise.
        case messages([[UInt8]])
        /// Datagrams delivered verbatim, e.g. malformed ones.
        case datagrams([[UInt8]])
    }

    public let portID: UInt32
    /// Every request sent, in order.
    public private(set) var requests: [[UInt8]] = []
    /// The remaining script.
    public var replies: [Reply]
    private var lastSequence: UInt32 = 0
    private var inbox: [[UInt8]] = []

    public init(portID: UInt32 = 0x0000_4242, replies: [Reply] = []) {
        self.portID = portID
        self.replies = replies
    }

    public func nextSequenceNumber() -> UInt32 {
        lastSequence &+= 1
        return lastSequence
    }

    public func send(_ bytes: [UInt8]) throws(NetlinkError) {
        requests.append(bytes)
        let reply = replies.isEmpty ? .ack : replies.removeFirst()
        inbox.append(contentsOf: answer(reply, to: bytes))
    }

    public func receive() throws(NetlinkError) -> [UInt8] {
        guard !inbox.isEmpty else { throw NetlinkError("RecordingNetlinkTransport: no reply scripted", errno: EAGAIN) }
        return inbox.removeFirst()
    }

    private func answer(_ reply: Reply, to request: [UInt8]) -> [[UInt8]] {
        let sequence = Self.u32(request, at: 8)
        let isDump = Int32(Self.u16(request, at: 6)) & NLM_F_DUMP == NLM_F_DUMP
        switch reply {
        case .ack:
            return [errorMessage(0, nil, request)]
        case .error(let code, let text):
            return [errorMessage(code, text, request)]
        case .messages(let messages):
            var stamped = messages.map { stamp($0, sequence) }
            stamped.append(isDump ? done(sequence) : errorMessage(0, nil, request))
            return stamped
        case .datagrams(let datagrams):
            return datagrams
        }
    }

    /// NLMSG_ERROR as a kernel with NETLINK_CAP_ACK and NETLINK_EXT_ACK sends it.
    private func errorMessage(_ code: Int32, _ text: String?, _ request: [UInt8]) -> [UInt8] {
        var payload = Self.le32(UInt32(bitPattern: -code)) + request.prefix(16)
        var flags = UInt16(NLM_F_CAPPED)
        if let text {
            flags |= UInt16(NLM_F_ACK_TLVS)
            var value = Array(text.utf8) + [0]
            let length = 4 + value.count
            while value.count % 4 != 0 { value.append(0) }
            payload += Self.le16(UInt16(length)) + Self.le16(UInt16(NLMSGERR_ATTR_MSG.rawValue)) + value
        }
        return header(type: UInt16(NLMSG_ERROR), flags: flags, sequence: Self.u32(request, at: 8), payloadCount: payload.count) + payload
    }

    private func done(_ sequence: UInt32) -> [UInt8] {
        header(type: UInt16(NLMSG_DONE), flags: UInt16(NLM_F_MULTI), sequence: sequence, payloadCount: 4) + [0, 0, 0, 0]
    }

    private func stamp(_ message: [UInt8], _ sequence: UInt32) -> [UInt8] {
        var copy = message
        copy.replaceSubrange(8..<16, with: Self.le32(sequence) + Self.le32(portID))
        return copy
    }

    private func header(type: UInt16, flags: UInt16, sequence: UInt32, payloadCount: Int) -> [UInt8] {
        Self.le32(UInt32(16 + payloadCount)) + Self.le16(type) + Self.le16(flags) + Self.le32(sequence) + Self.le32(portID)
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xff) } }
    static func u16(_ bytes: [UInt8], at offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
    static func u32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(u16(bytes, at: offset)) | UInt32(u16(bytes, at: offset + 2)) << 16
    }
}

/// Golden-byte helpers for netlink tests.
public enum NetlinkHex {
    /// Bytes from annotated hex: whitespace is ignored and `//` starts a comment to end of line,
    /// so expected messages can be written one field per line.
    public static func bytes(_ annotated: String) -> [UInt8] {
        let digits = annotated.split(separator: "\n").map { line in
            line.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        }.joined().filter(\.isHexDigit)
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex, let next = digits.index(index, offsetBy: 2, limitedBy: digits.endIndex) {
            bytes.append(UInt8(digits[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    /// Lower-case hex, 4 bytes per group, for readable failure output.
    public static func string(_ bytes: [UInt8]) -> String {
        stride(from: 0, to: bytes.count, by: 4).map { start in
            bytes[start..<min(start + 4, bytes.count)].map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        }.joined(separator: " ")
    }
}
#endif
