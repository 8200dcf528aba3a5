#if canImport(Glibc)
import CNIProtocol
import Netlink
import Nftables

extension KernelDatapath {
    /// `sysctl -w net.ipv4.conf.<bridge>.route_localnet=1`, over netlink: a packet to
    /// `127.0.0.1:<hostPort>` is DNATed in the output hook and must then leave through the
    /// bridge with its loopback source (masqueraded in postrouting), as the reference does.
    func enableLocalhostRouting(bridge: String) throws {
        try hostNetlink.setIPv4Settings(try bridgeIndex(bridge), [.routeLocalnet: 1])
    }

    /// Deletes the conntrack entries of UDP flows to the mappings' host ports (TCP flows end on
    /// their own; a UDP "flow" lives as long as datagrams keep coming and would keep going to
    /// wherever it was first sent). Opens a netfilter socket only when there is a UDP mapping.
    func forgetFlows(to mappings: [PortMapping]) throws {
        let udp = mappings.filter { $0.transport == .udp }
        guard !udp.isEmpty else { return }
        let conntrack = try ConntrackNetlink()
        for family in IPFamily.allCases {
            let selectors = udp.filter { $0.applies(to: family) }.map { mapping in
                ConntrackNetlink.Selector(protocolNumber: mapping.transport.number, destinationPort: mapping.hostPort,
                                          destination: mapping.isWildcard ? nil : mapping.hostIP)
            }
            try conntrack.deleteEntries(family: family, matching: selectors)
        }
    }
}
#endif
