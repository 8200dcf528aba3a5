import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// ADD announces an address only when a neighbour may hold it with an old MAC: through the real
/// binary, in a throwaway host namespace, with a three-address range per family so that the
/// round-robin walk wraps around.
@Suite(
    "Announcements only for reused addresses (throwaway namespaces)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct FirstUseAnnouncementKernelTests {
    private func config(_ bed: BridgeTestbed) -> JSONValue {
        let ipam: JSONValue = [
            "type": "host-local", "dataDir": .string(bed.dataDirectory.path),
            "ranges": [[["subnet": "10.66.0.0/24", "rangeStart": "10.66.0.20", "rangeEnd": "10.66.0.22"]],
                       [["subnet": "fd66::/64", "rangeStart": "fd66::20", "rangeEnd": "fd66::22"]]],
        ]
        return bed.config(ipam: ipam, ["isGateway": true])
    }

    @Test("The walk's first lap is not announced; after it wraps, the reused address is, and a neighbour holding the old MAC learns the new one")
    func reusedAfterWrapping() throws {
        try withTestbed { bed in
            let config = config(bed)
            _ = try bed.add(config, containerID: "old")  // .20: a new directory's first address is announced
            #expect(try announcements(bed, config, containerID: "peer").announcing.isEmpty, "fresh .21 announced")
            _ = try bed.add(config, containerID: "third")  // .22, the end of the range
            for address in ["10.66.0.20", "fd66::20"] {
                #expect(try bed.ping(from: "peer", to: address))
                try bed.shell(bed.host, ["ping", "-c", "1", "-W", "2", address])
            }
            #expect(try bed.invoke("DEL", config, containerID: "old", netns: bed.container("old").path).status == 0)
            // Neighbours ignore an override within `locktime` (1 s) of the entry's last update.
            Thread.sleep(forTimeInterval: 1.2)

            let (announced, added) = try announcements(bed, config, containerID: "new")
            #expect(added["ips"]?.arrayValue?.compactMap { $0["address"]?.stringValue } == ["10.66.0.20/24", "fd66::20/64"],
                    "the walk wrapped around to the freed address")
            #expect(announced.count == 2, "an RTM_NEWNEIGH asking the kernel for the ARP and an ICMPv6 socket for the NA: \(announced)")
            let mac = try #require(added["interfaces"]?.arrayValue?[2]["mac"]?.stringValue)
            for address in ["10.66.0.20", "fd66::20"] {
                #expect(try neighbourMAC(bed, bed.container("peer"), address, dev: "eth0") == mac, "peer's entry for \(address)")
                #expect(try neighbourMAC(bed, bed.host, address, dev: "nsbkt0") == mac, "host's entry for \(address)")
                #expect(try bed.ping(from: "peer", to: address))
            }
            for id in ["new", "peer", "third"] { #expect(try bed.invoke("DEL", config, containerID: id, netns: "").status == 0) }
            #expect(bed.reservations().isEmpty)
        }
    }

    @Test("A requested address is announced even when it lies above everything handed out so far")
    func requestedAddress() throws {
        try withTestbed { bed in
            let config = config(bed)
            _ = try bed.add(config, containerID: "first")
            let pinned = BridgeTestbed.merging(config, ["runtimeConfig": ["ips": ["10.66.0.22/24", "fd66::22/64"]]])
            #expect(try announcements(bed, pinned, containerID: "pinned").announcing.count == 2)
            for id in ["first", "pinned"] { #expect(try bed.invoke("DEL", config, containerID: id, netns: "").status == 0) }
            #expect(bed.reservations().isEmpty)
        }
    }

    /// What one ADD did to announce, from `strace`: the RTM_NEWNEIGH requests that make the kernel
    /// send a gratuitous ARP (strace names the type only when it can tell the socket's protocol,
    /// which it cannot for a socket made in another namespace) and the ICMPv6 sockets that send
    /// neighbour advertisements. Also the ADD's result.
    private func announcements(_ bed: BridgeTestbed, _ configuration: JSONValue, containerID: String) throws
        -> (announcing: [String], result: JSONValue)
    {
        let trace = bed.dataDirectory.appending("strace.\(containerID)")
        let environment = ["CNI_COMMAND": "ADD", "CNI_CONTAINERID": containerID, "CNI_IFNAME": "eth0",
                           "CNI_NETNS": try bed.container(containerID).path, "CNI_PATH": "/usr/lib/cni",
                           "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        let outcome = try PluginProcess.run(
            "/usr/bin/strace", arguments: ["-f", "-qq", "-e", "trace=socket,sendto", "-o", trace, "/usr/bin/nsenter", "--net=\(bed.host.path)", bed.binary],
            environment: environment, stdin: Array(configuration.serialized().utf8), timeoutSeconds: 30)
        defer { try? FileManager.default.removeItem(atPath: trace) }
        guard outcome.status == 0, let result = outcome.json else { throw TestbedFailure("ADD under strace failed: \(outcome)") }
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("AF_NETLINK") }, "strace saw the plugin's sockets: \(lines)")
        let announcing = lines.filter {
            $0.contains("IPPROTO_ICMPV6") || $0.contains("nlmsg_type=RTM_NEWNEIGH") || $0.contains("nlmsg_type=0x1c /*")
        }
        return (announcing, result)
    }

    private func neighbourMAC(_ bed: BridgeTestbed, _ namespace: ThrowawayNetworkNamespace, _ address: String, dev: String) throws -> String? {
        try bed.ipJSON(in: namespace, ["ip", "-j", "neigh", "show", address, "dev", dev]).first?["lladdr"]?.stringValue
    }
}

extension BridgeTestbed {
    /// `configuration` with `extra` members added.
    static func merging(_ configuration: JSONValue, _ extra: [String: JSONValue]) -> JSONValue {
        var members = configuration.objectValue ?? [:]
        members.merge(extra) { _, new in new }
        return .object(members)
    }
}
