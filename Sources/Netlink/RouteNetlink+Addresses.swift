#if canImport(Glibc)
import CNIProtocol
import CNetlinkShims
import Glibc

/// Interface addresses.
extension RouteNetlink {
    /// Adds an address to a link. `ip addr add <address>/<prefix> [brd +] dev <index> [nodad]`
    ///
    /// Sends `IFA_LOCAL` and `IFA_ADDRESS` (both the address) and, for IPv4 prefixes shorter than
    /// /31, `IFA_BROADCAST` (the last address of the subnet), as `ip ... brd +` does.
    /// The corresponding kernel message is `RTM_NEWADDR` with `NLM_F_CREATE|NLM_F_EXCL`.
    /// - Parameters:
    ///   - address: the address and its prefix length (host bits set: `10.1.0.5/24`).
    ///   - index: the link.
    ///   - noDAD: skip IPv6 duplicate address detection (`IFA_F_NODAD`).
    /// - Throws: `NetlinkError` with `isExists` if the link already has this address.
    public func addAddress(_ address: IPNetwork, to index: Int32, noDAD: Bool = false) throws(NetlinkError) {
        let message = addressRequest(RTM_NEWADDR, address, index, flags: NLM_F_CREATE | NLM_F_EXCL, noDAD: noDAD)
        let bytes = address.address.bytes
        message.put(Int(IFA_LOCAL), bytes: bytes)
        message.put(Int(IFA_ADDRESS), bytes: bytes)
        if address.family == .v4, address.prefixLength < 31 {
            message.put(Int(IFA_BROADCAST), bytes: address.lastAddress.bytes)
        }
        try perform(message, "RTM_NEWADDR \(address) dev index \(index)")
    }

    /// Removes an address from a link. `ip addr del <address>/<prefix> dev <index>`
    ///
    /// - Throws: `NetlinkError` with `isNotFound` (EADDRNOTAVAIL) if the link does not have it.
    public func deleteAddress(_ address: IPNetwork, from index: Int32) throws(NetlinkError) {
        let message = addressRequest(RTM_DELADDR, address, index, flags: 0, noDAD: false)
        message.put(Int(IFA_LOCAL), bytes: address.address.bytes)
        try perform(message, "RTM_DELADDR \(address) dev index \(index)")
    }

    /// The addresses on a link, in kernel order. `ip addr show dev <index>`
    ///
    /// The corresponding kernel message is an `RTM_GETADDR` dump, filtered here by index.
    /// - Parameter family: only this family; nil for both.
    public func addresses(of index: Int32, family: IPFamily? = nil) throws(NetlinkError) -> [IPNetwork] {
        let replies = try dump({ () -> MessageBuilder in
            let message = dumpRequest(Int(RTM_GETADDR))
            var header = ifaddrmsg()
            header.ifa_family = UInt8(family.map(Self.addressFamily) ?? AF_UNSPEC)
            header.ifa_index = UInt32(bitPattern: index)
            message.append(header)
            return message
        }, "RTM_GETADDR dump index \(index)")
        return replies.compactMap { Self.address(in: $0, index: index) }
    }

    // MARK: - Helpers

    static func addressFamily(_ family: IPFamily) -> Int32 { family == .v4 ? AF_INET : AF_INET6 }

    private func addressRequest(_ type: Int, _ address: IPNetwork, _ index: Int32, flags: Int32, noDAD: Bool) -> MessageBuilder {
        let message = request(type, flags: flags)
        var header = ifaddrmsg()
        header.ifa_family = UInt8(Self.addressFamily(address.family))
        header.ifa_prefixlen = UInt8(address.prefixLength)
        header.ifa_flags = noDAD ? UInt8(IFA_F_NODAD) : 0
        header.ifa_scope = UInt8(RT_SCOPE_UNIVERSE.rawValue)
        header.ifa_index = UInt32(bitPattern: index)
        message.append(header)
        return message
    }

    /// Decodes an RTM_NEWADDR: `struct ifaddrmsg` (8 bytes), then IFA_LOCAL (IPv4, preferred:
    /// IFA_ADDRESS is the peer on point-to-point links) or IFA_ADDRESS.
    static func address(in message: NetlinkMessage, index: Int32) -> IPNetwork? {
        let payload = message.payload
        guard Int32(message.type) == Int32(RTM_NEWADDR), payload.count >= 8 else { return nil }
        let start = payload.startIndex
        guard Int32(bitPattern: payload.loadU32(at: start + 4)) == index else { return nil }
        let attributes = AttributeList(payload[(start + 8)...])
        guard let raw = attributes[Int(IFA_LOCAL)] ?? attributes[Int(IFA_ADDRESS)],
              let address = IPAddress(bytes: raw) else { return nil }
        return IPNetwork(address: address, prefixLength: Int(payload[start + 1]))
    }
}
#endif
