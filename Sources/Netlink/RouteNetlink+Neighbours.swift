#if canImport(Glibc)
import CNetlinkShims
import Glibc

extension RouteNetlink {
    /// Makes the kernel broadcast a gratuitous ARP request for an IPv4 address of interface
    /// `index`, from the interface's own MAC, and leaves the neighbour table as it was.
    ///
    /// `ip neigh add <address> dev <index> nud none use; ip neigh del <address> dev <index>`
    ///
    /// Asking the kernel to resolve the interface's own address sends an ARP request whose sender
    /// and target are both that address: the RFC 5227 announcement that `arping -U` sends, which
    /// neighbours apply to an entry they hold at once (the kernel treats sender = target as
    /// gratuitous and skips `locktime`). The request goes out synchronously, inside the first
    /// message; the second removes the entry that now waits for an answer nobody should give.
    /// Sending the ARP from a packet socket instead costs a kernel grace period when the socket
    /// is closed (`packet_release` calls `synchronize_net`), 10–15 ms at the end of every ADD.
    ///
    /// The corresponding kernel messages are `RTM_NEWNEIGH` (`NLM_F_CREATE`, `NUD_NONE`,
    /// `NTF_USE`) and `RTM_DELNEIGH`, each with `NDA_DST`.
    public func announceIPv4(_ address: [UInt8], interface index: Int32) throws(NetlinkError) {
        let text = address.map(String.init).joined(separator: ".")
        let probe = neighbourRequest(RTM_NEWNEIGH, address, index, flags: NLM_F_CREATE, neighbourFlags: UInt8(NTF_USE))
        try perform(probe, "RTM_NEWNEIGH \(text) dev index \(index) use")
        do {
            try perform(neighbourRequest(RTM_DELNEIGH, address, index), "RTM_DELNEIGH \(text) dev index \(index)")
        } catch where error.isNotFound {
            // Already gone (an interface going down flushes its entries): nothing to clean.
        }
    }

    private func neighbourRequest(_ type: Int, _ address: [UInt8], _ index: Int32, flags: Int32 = 0,
                                  neighbourFlags: UInt8 = 0) -> MessageBuilder {
        let message = request(type, flags: flags)
        var header = ndmsg()
        header.ndm_family = UInt8(AF_INET)
        header.ndm_ifindex = index
        header.ndm_state = UInt16(NUD_NONE)
        header.ndm_flags = neighbourFlags
        message.append(header)
        message.put(Int(NDA_DST), bytes: address)
        return message
    }
}
#endif
