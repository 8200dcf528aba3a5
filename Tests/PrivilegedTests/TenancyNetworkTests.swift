import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// `isolate`, neighbour hygiene on address reuse, and host-safe IPv6 forwarding, through the
/// real binary in a throwaway host namespace.
@Suite(
    "isolate, neighbour announcements and accept_ra (throwaway namespaces)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct TenancyNetworkTests {
    /// A network `name` on bridge `bridge` and subnet 10.`octet`.0.0/24 that routes through the host.
    private func network(_ bed: BridgeTestbed, _ name: String, bridge: String, octet: Int, isolate: Bool) -> JSONValue {
        bed.config(name: name, subnet: "10.\(octet).0.0/24",
                   ["bridge": .string(bridge), "isDefaultGateway": true, "ipMasq": true, "isolate": .bool(isolate)])
    }

    /// Links the host to an "outside" namespace: host 198.51.100.1, outside 198.51.100.2.
    private func addOutside(_ bed: BridgeTestbed) throws {
        let outside = try #require(try bed.container("outside").name, "needs a named namespace")
        try bed.shell(bed.host, ["ip", "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", outside])
        try bed.shell(bed.host, ["ip", "addr", "add", "198.51.100.1/24", "dev", "up0"])
        try bed.shell(bed.host, ["ip", "link", "set", "up0", "up"])
        try bed.shell(bed.container("outside"), ["ip", "addr", "add", "198.51.100.2/24", "dev", "eth0"])
        try bed.shell(bed.container("outside"), ["ip", "link", "set", "eth0", "up"])
    }

    @Test("Isolated networks reach neither each other nor other networks, both ways; they reach the host, the outside and a DNATed address; others are unchanged")
    func isolation() throws {
        try withTestbed { bed in
            try addOutside(bed)
            let x = network(bed, "kx", bridge: "nsbkt0", octet: 66, isolate: true)
            let z = network(bed, "kz", bridge: "nsbkt1", octet: 68, isolate: true)
            let y = network(bed, "ky", bridge: "nsbkt2", octet: 67, isolate: false)
            let w = network(bed, "kw", bridge: "nsbkt3", octet: 69, isolate: false)
            for (config, id) in [(x, "x"), (z, "z"), (y, "y"), (w, "w")] { _ = try bed.add(config, containerID: id) }

            #expect(try bed.ping(from: "y", to: "10.69.0.2"), "two networks without isolate still talk")
            #expect(try !bed.ping(from: "x", to: "10.67.0.2"), "isolated to other network")
            #expect(try !bed.ping(from: "y", to: "10.66.0.2"), "other network to isolated")
            #expect(try !bed.ping(from: "x", to: "10.68.0.2"), "isolated to isolated")
            #expect(try !bed.ping(from: "z", to: "10.66.0.2"), "isolated to isolated, other way")
            #expect(try bed.ping(from: "x", to: "10.66.0.1"), "isolated to the host (its gateway)")
            #expect(try bed.ping(from: "x", to: "10.67.0.1"), "isolated to the host's address on another bridge")
            #expect(try bed.ping(from: "x", to: "198.51.100.2"), "isolated to the outside")

            // A published port as the host DNATs it: the connection crosses networks but stays allowed.
            try bed.shell(bed.host, ["nft", "add table ip nsbt; add chain ip nsbt pre { type nat hook prerouting priority -100; }; "
                                     + "add rule ip nsbt pre ip daddr 192.0.2.10 dnat to 10.67.0.2"])
            #expect(try bed.ping(from: "x", to: "192.0.2.10"), "isolated to a destination-NATed service in another network")

            for (config, id) in [(x, "x"), (z, "z"), (y, "y"), (w, "w")] {
                #expect(try bed.invoke("DEL", config, containerID: id, netns: "").status == 0)
            }
            #expect(["kx", "kz", "ky", "kw"].allSatisfy { bed.reservations(network: $0).isEmpty })
            #expect(try bed.hostLinkNames().filter { $0.hasPrefix("veth") }.isEmpty)
            let left = try bed.shell(bed.host, ["nft", "list", "table", "inet", "nsbridge"])
            #expect(!left.contains("isolate") && !left.contains("forward"), "no isolation objects left: \(left)")
        }
    }

    @Test("A container that takes over a freed address with a new MAC is reached at once by the host and by its neighbours")
    func neighboursLearnReusedAddress() throws {
        try withTestbed { bed in
            let ipam: JSONValue = ["type": "host-local", "dataDir": .string(bed.dataDirectory.path),
                                   "ranges": [[["subnet": "10.66.0.0/24"]], [["subnet": "fd66::/64"]]]]
            let config = bed.config(ipam: ipam, ["isGateway": true])
            let pinned = bed.config(ipam: ipam, ["isGateway": true, "runtimeConfig": ["ips": ["10.66.0.20/24", "fd66::20/64"]]])
            _ = try bed.add(pinned, containerID: "old")
            _ = try bed.add(config, containerID: "peer")
            for address in ["10.66.0.20", "fd66::20"] {
                #expect(try bed.ping(from: "peer", to: address))
                try bed.shell(bed.host, ["ping", "-c", "1", "-W", "2", address])
            }
            #expect(try bed.invoke("DEL", config, containerID: "old", netns: bed.container("old").path).status == 0)
            // Neighbours ignore an override within `locktime` (1 s) of the entry's last update.
            Thread.sleep(forTimeInterval: 1.2)
            let added = try bed.add(pinned, containerID: "new")
            let mac = try #require(added["interfaces"]?.arrayValue?[2]["mac"]?.stringValue)
            // The IPv4 announcement is the kernel resolving the container's own address; the
            // entry that this leaves waiting is deleted again.
            #expect(try bed.ipJSON(in: bed.container("new"), ["ip", "-j", "neigh", "show", "10.66.0.20"]).isEmpty)

            for address in ["10.66.0.20", "fd66::20"] {
                #expect(try neighbourMAC(bed, bed.container("peer"), address, dev: "eth0") == mac, "peer's entry for \(address)")
                #expect(try neighbourMAC(bed, bed.host, address, dev: "nsbkt0") == mac, "host's entry for \(address)")
                #expect(try bed.ping(from: "peer", to: address))
            }
            for id in ["new", "peer"] { #expect(try bed.invoke("DEL", config, containerID: id, netns: "").status == 0) }
            #expect(bed.reservations().isEmpty)
        }
    }

    private func neighbourMAC(_ bed: BridgeTestbed, _ namespace: ThrowawayNetworkNamespace, _ address: String, dev: String) throws -> String? {
        try bed.ipJSON(in: namespace, ["ip", "-j", "neigh", "show", address, "dev", dev]).first?["lladdr"]?.stringValue
    }

    @Test("Turning IPv6 forwarding on moves accept_ra 1 to 2 on the host's other interfaces, which keep learning routes from RAs; the bridge is left alone")
    func routerAdvertisementsKeepWorking() throws {
        try withTestbed { bed in
            let router = try #require(try bed.container("router").name, "needs a named namespace")
            for name in ["ra0", "ra1"] {
                try bed.shell(bed.host, ["ip", "link", "add", name, "type", "veth", "peer", "name", name, "netns", router])
                try bed.shell(bed.container("router"), ["sysctl", "-qw", "net.ipv6.conf.\(name).accept_dad=0"])
                try bed.shell(bed.container("router"), ["ip", "link", "set", name, "up"])
                try bed.shell(bed.host, ["sysctl", "-qw", "net.ipv6.conf.\(name).accept_dad=0", "net.ipv6.conf.\(name).accept_ra=1"])
            }
            try bed.shell(bed.host, ["ip", "link", "set", "ra0", "up"])
            #expect(try sysctl(bed, "net.ipv6.conf.all.forwarding") == "0")
            let ipam: JSONValue = ["type": "host-local", "dataDir": .string(bed.dataDirectory.path), "subnet": "fd66::/64"]
            _ = try bed.add(bed.config(ipam: ipam, ["isGateway": true]), containerID: "c1")

            #expect(try sysctl(bed, "net.ipv6.conf.all.forwarding") == "1")
            #expect(try sysctl(bed, "net.ipv6.conf.ra0.accept_ra") == "2")
            #expect(try sysctl(bed, "net.ipv6.conf.nsbkt0.accept_ra") == "1", "the bridge must not learn routes from containers")
            // ra1 gets accept_ra 1 only now, with forwarding on: the kernel ignores its RAs.
            try bed.shell(bed.host, ["sysctl", "-qw", "net.ipv6.conf.ra1.accept_ra=1"])
            try bed.shell(bed.host, ["ip", "link", "set", "ra1", "up"])
            // Repeated until ra0 learns (the router's link-local source appears a moment after carrier).
            var defaults: [JSONValue] = []
            for _ in 0..<10 where !defaults.contains(where: { $0["dev"] == "ra0" }) {
                try sendRouterAdvertisements(bed, interfaces: ["ra0", "ra1"])
                defaults = try bed.ipJSON(in: bed.host, ["ip", "-j", "-6", "route", "show", "default"])
            }
            #expect(defaults.contains { $0["dev"] == "ra0" && $0["protocol"] == "ra" }, "RA on ra0 still installs a default route: \(defaults)")
            #expect(!defaults.contains { $0["dev"] == "ra1" }, "control: accept_ra 1 with forwarding on ignores the RA")
            #expect(try bed.invoke("DEL", bed.config(ipam: ipam, ["isGateway": true]), containerID: "c1", netns: "").status == 0)
            #expect(bed.reservations().isEmpty)
        }
    }

    private func sysctl(_ bed: BridgeTestbed, _ key: String) throws -> String {
        try bed.shell(bed.host, ["sysctl", "-n", key]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// One router advertisement (router lifetime 1800 s, no options) out of each router interface.
    private func sendRouterAdvertisements(_ bed: BridgeTestbed, interfaces: [String]) throws {
        let script = """
        import socket, struct, sys
        for name in sys.argv[1:]:
            s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
            s.sendto(struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0), ("ff02::1", 0, 0, socket.if_nametoindex(name)))
        """
        try bed.shell(bed.container("router"), ["python3", "-c", script] + interfaces)
        Thread.sleep(forTimeInterval: 0.3)
    }
}
