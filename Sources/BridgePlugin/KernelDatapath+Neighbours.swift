#if canImport(Glibc)
import CNIProtocol
import LinuxSupport
import Netlink
import Nftables

// Neighbour hygiene and host-safe IPv6 forwarding.
extension KernelDatapath {
    func announceAddresses(netns: String, interface name: String, mac: String, addresses: [IPAddress]) throws {
        let container = try containerSide(netns)
        guard let link = try container.netlink.link(named: name), let macBytes = MACAddress(mac)?.bytes else {
            throw CNIError(.kernel, "interface \(name) with MAC \(mac) vanished from \(netns) before its addresses were announced")
        }
        for address in addresses where address.family == .v4 {
            try container.netlink.announceIPv4(address.bytes, interface: link.index)
        }
        let ipv6 = addresses.filter { $0.family == .v6 }.map(\.bytes)
        if !ipv6.isEmpty {
            try NeighbourAnnouncement.send(in: container.namespace, interface: link.index, mac: macBytes, ipv6: ipv6)
        }
    }

    /// Turning IPv6 forwarding on makes every interface with `accept_ra` 1 ignore router
    /// advertisements, so a host that configures its uplink by SLAAC loses its default route
    /// when the route expires (podman#6114). Those interfaces get `accept_ra` 2, which keeps
    /// accepting them with forwarding on. nsbridge's own bridges (interface group
    /// `NetworkIsolation.bridgeGroup`) are left alone: a host that accepted advertisements there
    /// would take its routes from containers. Interfaces created later get the namespace's
    /// `default/accept_ra`, which is not changed. Runs only when forwarding is being switched on.
    func keepAcceptingRouterAdvertisements() throws {
        for link in try hostNetlink.links() where link.group != NetworkIsolation.bridgeGroup && link.name != "lo" {
            let key = "net/ipv6/conf/\(link.name)/accept_ra"
            // Interfaces without IPv6 have no such key.
            if (try? hostSysctl.get(key)) == "1" {
                try hostSysctl.set(key, "2")
            }
        }
    }
}
#endif
