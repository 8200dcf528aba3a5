import BridgePlugin
import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// The real binary against a real kernel: ADD, CHECK and DEL as a runtime runs them, observed
/// with `ip -j` and the IPAM data directory.
@Suite(
    "nsbridge binary against a real kernel (throwaway namespaces)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct BridgePluginKernelTests {
    @Test("ADD, CHECK, DEL with a gateway: addresses, default route, traffic, and nothing left")
    func lifecycle() throws {
        try withTestbed { bed in
            let config = bed.config(["isDefaultGateway": true])
            let first = try bed.add(config, containerID: "c1")
            let second = try bed.add(config, containerID: "c2")
            #expect(first["ips"]?.arrayValue?.first?["address"] == "10.66.0.2/24")
            #expect(second["ips"]?.arrayValue?.first?["address"] == "10.66.0.3/24")
            #expect(first["interfaces"]?.arrayValue?.count == 3)

            let routes = try bed.ipJSON(in: bed.container("c1"), ["ip", "-j", "route", "show", "default"])
            #expect(routes.first?["gateway"] == "10.66.0.1")
            #expect(try bed.ping(from: "c1", to: "10.66.0.3"), "container to container")
            #expect(try bed.ping(from: "c1", to: "10.66.0.1"), "container to gateway")

            let checked = BridgeTestbed.with(prevResult: first, config)
            #expect(try bed.invoke("CHECK", checked, containerID: "c1", netns: bed.container("c1").path).status == 0)

            for id in ["c1", "c2"] {
                let result = id == "c1" ? first : second
                let outcome = try bed.invoke("DEL", BridgeTestbed.with(prevResult: result, config), containerID: id,
                                             netns: bed.container(id).path)
                #expect(outcome.status == 0, "\(outcome)")
            }
            #expect(try bed.hostLinkNames().filter { $0.hasPrefix("veth") }.isEmpty)
            #expect(bed.reservations().isEmpty)
        }
    }

    @Test("Port and link keys reach the kernel: hairpin, isolation, promiscuous, MTU, requested MAC")
    func portSettings() throws {
        try withTestbed { bed in
            let config = bed.config(["hairpinMode": true, "portIsolation": true, "mtu": 1400])
            let result = try bed.add(config, arguments: "IgnoreUnknown=1;K8S_POD_NAME=p;MAC=02:42:ac:11:00:99")
            let hostVeth = try #require(result["interfaces"]?.arrayValue?[1]["name"]?.stringValue)
            let port = try #require(try bed.link(hostVeth, in: bed.host))
            let slave = port["linkinfo"]?["info_slave_data"]
            #expect(slave?["hairpin"] == true)
            #expect(slave?["isolated"] == true)
            #expect(port["mtu"]?.integerValue == 1400)
            #expect(port["master"] == "nsbkt0")
            let eth0 = try #require(try bed.link("eth0", in: bed.container("c1")))
            #expect(eth0["address"] == "02:42:ac:11:00:99")
            #expect(eth0["mtu"]?.integerValue == 1400)

            let promiscuous = bed.config(name: "kt2", subnet: "10.67.0.0/24", ["bridge": "nsbkt1", "promiscMode": true])
            _ = try bed.add(promiscuous, containerID: "c2")
            #expect((try bed.link("nsbkt1", in: bed.host)?["promiscuity"]?.integerValue ?? 0) > 0)
        }
    }

    @Test("A bridge nsbridge creates has multicast snooping off unless asked; an existing bridge keeps its own")
    func multicastSnooping() throws {
        try withTestbed { bed in
            let snooping = { (bridge: String) in
                try bed.link(bridge, in: bed.host)?["linkinfo"]?["info_data"]?["mcast_snooping"]?.integerValue
            }
            let first = try bed.add(bed.config([:]), containerID: "c1")
            _ = try bed.add(bed.config([:]), containerID: "c4")
            #expect(try snooping("nsbkt0") == 0)
            _ = try bed.add(bed.config(name: "kt2", subnet: "10.67.0.0/24", ["bridge": "nsbkt1", "multicastSnooping": true]),
                            containerID: "c2")
            #expect(try snooping("nsbkt1") == 1)
            _ = try bed.shell(bed.host, ["ip", "link", "add", "nsbkt2", "type", "bridge", "mcast_snooping", "1"])
            _ = try bed.add(bed.config(name: "kt3", subnet: "10.68.0.0/24", ["bridge": "nsbkt2"]), containerID: "c3")
            #expect(try snooping("nsbkt2") == 1, "an existing bridge is not reconfigured")
            #expect(first["ips"]?.arrayValue?.first?["address"] == "10.66.0.2/24")
            #expect(try bed.ping(from: "c4", to: "10.66.0.2"), "ARP's broadcast still crosses the bridge")
        }
    }

    @Test("Routes carry the 1.1.0 fields priority, table and scope into the container")
    func routeFields() throws {
        try withTestbed { bed in
            let routes: JSONValue = [
                ["dst": "192.168.50.0/24", "priority": 50],
                ["dst": "192.168.60.0/24", "table": 100],
                ["dst": "192.168.70.0/24", "scope": 253],
            ]
            let ipam: JSONValue = ["type": "host-local", "subnet": "10.66.0.0/24", "routes": routes,
                                   "dataDir": .string(bed.dataDirectory.path)]
            let result = try bed.add(bed.config(ipam: ipam))
            let c1 = try bed.container("c1")
            let main = try bed.ipJSON(in: c1, ["ip", "-j", "route", "show"])
            let metric = main.first { $0["dst"] == "192.168.50.0/24" }
            #expect(metric?["metric"]?.integerValue == 50)
            #expect(main.first { $0["dst"] == "192.168.70.0/24" }?["scope"] == "link")
            let table = try bed.ipJSON(in: c1, ["ip", "-j", "route", "show", "table", "100"])
            #expect(table.contains { $0["dst"] == "192.168.60.0/24" })
            let check = BridgeTestbed.with(prevResult: result, bed.config(ipam: ipam))
            #expect(try bed.invoke("CHECK", check, netns: c1.path).status == 0)
        }
    }

    @Test("IPv6 without enabledad is usable at once: no tentative address, DAD off")
    func noDAD() throws {
        try withTestbed { bed in
            let ipam: JSONValue = ["type": "host-local", "subnet": "fd66::/64", "dataDir": .string(bed.dataDirectory.path)]
            _ = try bed.add(bed.config(ipam: ipam))
            let c1 = try bed.container("c1")
            let addresses = try bed.ipJSON(in: c1, ["ip", "-j", "-6", "addr", "show", "dev", "eth0"])
            let info = addresses.first?["addr_info"]?.arrayValue ?? []
            let global = info.first { $0["local"] == "fd66::2" }
            #expect(global != nil)
            #expect(global?["tentative"] == nil)
            #expect(try bed.shell(c1, ["cat", "/proc/sys/net/ipv6/conf/eth0/accept_dad"]).hasPrefix("0"))
            #expect(try bed.shell(c1, ["cat", "/proc/sys/net/ipv4/conf/eth0/arp_notify"]).hasPrefix("1"))
        }
    }

    @Test("A second interface whose network also routes by default joins, and both CHECK")
    func secondInterface() throws {
        try withTestbed { bed in
            let first = bed.config(["isDefaultGateway": true])
            let second = bed.config(name: "kt2", subnet: "10.67.0.0/24", ["bridge": "nsbkt1", "isDefaultGateway": true])
            let eth0 = try bed.add(first, containerID: "c1", ifName: "eth0", in: "c1")
            let eth1 = try bed.add(second, containerID: "c1", ifName: "eth1", in: "c1")
            let path = try bed.container("c1").path
            let defaults = try bed.ipJSON(in: bed.container("c1"), ["ip", "-j", "route", "show", "default"])
            #expect(defaults.count == 1 && defaults.first?["dev"] == "eth0", "the first default route wins")
            for (config, result, ifName) in [(first, eth0, "eth0"), (second, eth1, "eth1")] {
                let outcome = try bed.invoke("CHECK", BridgeTestbed.with(prevResult: result, config), ifName: ifName, netns: path)
                #expect(outcome.status == 0, "\(ifName): \(outcome)")
            }
        }
    }

    @Test("disableContainerInterface leaves the container end down")
    func disabledInterface() throws {
        try withTestbed { bed in
            var config = bed.config(["disableContainerInterface": true])
            config = .object((config.objectValue ?? [:]).filter { $0.key != "ipam" })
            _ = try bed.add(config)
            let eth0 = try #require(try bed.link("eth0", in: bed.container("c1")))
            #expect(eth0["flags"]?.arrayValue?.contains("UP") == false)
        }
    }
}

/// Whether this kernel can filter VLANs on a bridge (some minimal kernels are built without it).
let kernelSupportsBridgeVLANs: Bool = {
    let probe = try? PluginProcess.run(
        "/usr/bin/unshare", arguments: ["-n", "ip", "link", "add", "nsbktv", "type", "bridge", "vlan_filtering", "1"],
        environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], stdin: [], timeoutSeconds: 10)
    return probe?.status == 0
}()

@Suite(
    "nsbridge VLAN keys against a real kernel",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)"),
    .enabled(if: kernelSupportsBridgeVLANs, "this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)")
)
struct BridgePluginVLANTests {
    @Test("vlan makes the port an untagged PVID member of that VLAN only; vlanTrunk adds tagged ranges")
    func vlans() throws {
        try withTestbed { bed in
            let trunk: JSONValue = [["id": 200], ["minID": 300, "maxID": 302]]
            let result = try bed.add(bed.config(["vlan": 100, "vlanTrunk": trunk, "preserveDefaultVlan": false]))
            let hostVeth = try #require(result["interfaces"]?.arrayValue?[1]["name"]?.stringValue)
            let ports = try bed.ipJSON(in: bed.host, ["bridge", "-j", "vlan", "show", "dev", hostVeth])
            let vlans = ports.first?["vlans"]?.arrayValue ?? []
            let access = vlans.first { $0["vlan"]?.integerValue == 100 }
            #expect(access?["flags"]?.arrayValue?.contains("PVID") == true)
            #expect(access?["flags"]?.arrayValue?.contains("Egress Untagged") == true)
            #expect(vlans.contains { $0["vlan"]?.integerValue == 200 })
            #expect(vlans.contains { $0["vlan"]?.integerValue == 300 && $0["vlanEnd"]?.integerValue == 302 })
            #expect(!vlans.contains { $0["vlan"]?.integerValue == 1 }, "VLAN 1 is dropped with preserveDefaultVlan false")
        }
    }

    @Test("Without preserveDefaultVlan, a VLAN port keeps VLAN 1, as upstream's default is true")
    func defaultVLANKeptByDefault() throws {
        try withTestbed { bed in
            let result = try bed.add(bed.config(["vlan": 100]))
            let hostVeth = try #require(result["interfaces"]?.arrayValue?[1]["name"]?.stringValue)
            let ports = try bed.ipJSON(in: bed.host, ["bridge", "-j", "vlan", "show", "dev", hostVeth])
            let vlans = ports.first?["vlans"]?.arrayValue ?? []
            #expect(vlans.contains { $0["vlan"]?.integerValue == 1 })
        }
    }
}

@Suite(
    "nsbridge VLAN keys on a kernel without VLAN filtering",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)"),
    .enabled(if: !kernelSupportsBridgeVLANs, "this kernel has bridge VLAN filtering")
)
struct BridgePluginNoVLANTests {
    @Test("ADD with vlan fails with code 2 naming the keys, and leaves nothing behind")
    func unsupported() throws {
        try withTestbed { bed in
            let outcome = try bed.invoke("ADD", bed.config(["vlan": 100]), netns: bed.container("c1").path)
            #expect(outcome.status == 1)
            #expect(outcome.json?["code"]?.integerValue == 2)
            #expect(outcome.json?["msg"]?.stringValue?.contains("\"vlan\"") == true)
            #expect(try bed.hostLinkNames() == ["lo"])
            #expect(bed.reservations().isEmpty)
        }
    }
}
