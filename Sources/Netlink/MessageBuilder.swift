#if canImport(Glibc)
import CMnl
import CNetlinkShims
import Glibc

/// Builds one netlink request with libmnl into memory it owns, then hands out the bytes.
///
/// Pure: no socket is involved, so requests can be compared byte for byte in tests. Requests are
/// tiny (a few hundred bytes), so running out of the 4 KiB buffer is a programming error.
final class MessageBuilder {
    private static let capacity = 4096
    private let buffer: UnsafeMutableRawPointer
    private let header: UnsafeMutablePointer<nlmsghdr>

    /// Starts a message with the given type, flags and sequence; `nlmsg_pid` stays 0 (the kernel
    /// fills in the sender).
    init(type: Int, flags: Int32, sequence: UInt32) {
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.capacity, alignment: 8)
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: Self.capacity)
        guard let header = mnl_nlmsg_put_header(buffer) else { preconditionFailure("mnl_nlmsg_put_header") }
        header.pointee.nlmsg_type = UInt16(type)
        header.pointee.nlmsg_flags = UInt16(flags)
        header.pointee.nlmsg_seq = sequence
        self.header = header
    }

    deinit { buffer.deallocate() }

    /// The finished message.
    var bytes: [UInt8] {
        [UInt8](UnsafeRawBufferPointer(start: buffer, count: Int(header.pointee.nlmsg_len)))
    }

    var sequence: UInt32 { header.pointee.nlmsg_seq }

    /// Appends a fixed family header (ifinfomsg, ifaddrmsg, rtmsg...) or any plain C struct,
    /// padded to 4 bytes. Also used for the ifinfomsg that opens a VETH_INFO_PEER nest.
    func append<Header>(_ value: Header) {
        precondition(Int(header.pointee.nlmsg_len) + MemoryLayout<Header>.size + 4 <= Self.capacity, "netlink request too large")
        guard let target = mnl_nlmsg_put_extra_header(header, MemoryLayout<Header>.size) else {
            preconditionFailure("mnl_nlmsg_put_extra_header")
        }
        withUnsafeBytes(of: value) { source in
            guard let base = source.baseAddress else { return }
            target.copyMemory(from: base, byteCount: source.count)
        }
    }

    func put(_ type: Int, u8 value: UInt8) { check(mnl_attr_put_u8_check(header, room, UInt16(type), value)) }
    func put(_ type: Int, u16 value: UInt16) { check(mnl_attr_put_u16_check(header, room, UInt16(type), value)) }
    func put(_ type: Int, u32 value: UInt32) { check(mnl_attr_put_u32_check(header, room, UInt16(type), value)) }
    func put(_ type: Int, u64 value: UInt64) { check(mnl_attr_put_u64_check(header, room, UInt16(type), value)) }
    func put(_ type: Int, i32 value: Int32) { put(type, u32: UInt32(bitPattern: value)) }
    /// A NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND).
    func put(_ type: Int, string value: String) { check(mnl_attr_put_strz_check(header, room, UInt16(type), value)) }
    /// Raw bytes (IFLA_ADDRESS, IFA_LOCAL, RTA_GATEWAY, bridge_vlan_info).
    func put(_ type: Int, bytes value: [UInt8]) {
        check(value.withUnsafeBytes { mnl_attr_put_check(header, room, UInt16(type), $0.count, $0.baseAddress) })
    }

    /// A nested attribute (NLA_F_NESTED set) holding whatever `body` appends.
    func nest(_ type: Int, _ body: () -> Void) {
        guard let start = mnl_attr_nest_start_check(header, room, UInt16(type)) else {
            preconditionFailure("netlink request too large")
        }
        body()
        mnl_attr_nest_end(header, start)
    }

    private var room: Int { Self.capacity - Int(header.pointee.nlmsg_len) }

    private func check(_ fitted: Bool) {
        precondition(fitted, "netlink request too large")
    }
}
#endif
