import CNIProtocol
import CNITestSupport
import Foundation

/// A testbed with an "outside" namespace behind the host's uplink (198.51.100.0/24,
/// 2001:db8:1::/64, plus a second host address 198.51.100.9 for hostIP tests), and a
/// dual-stack nsbridge network with the `portMappings` capability.
final class PortMappingWorld {
    let bed: BridgeTestbed
    let outside: ThrowawayNetworkNamespace
    static let hostV4 = "198.51.100.1", otherHostV4 = "198.51.100.9", outsideV4 = "198.51.100.2"
    static let hostV6 = "2001:db8:1::1", outsideV6 = "2001:db8:1::2"
    static let gatewayV4 = "10.66.0.1", gatewayV6 = "fd66::1"

    init(_ bed: BridgeTestbed) throws {
        self.bed = bed
        outside = try bed.container("outside")
        guard let outsideName = outside.name else { throw TestbedFailure("outside namespace has no name") }
        try bed.shell(bed.host, ["ip", "link", "add", "nsbkup0", "type", "veth", "peer", "name", "eth0", "netns", outsideName])
        for address in ["\(Self.hostV4)/24", "\(Self.otherHostV4)/24"] {
            try bed.shell(bed.host, ["ip", "addr", "add", address, "dev", "nsbkup0"])
        }
        try bed.shell(bed.host, ["ip", "addr", "add", "\(Self.hostV6)/64", "dev", "nsbkup0", "nodad"])
        try bed.shell(bed.host, ["ip", "link", "set", "nsbkup0", "up"])
        try bed.shell(bed.host, ["ip", "link", "set", "lo", "up"])
        try bed.shell(outside, ["ip", "addr", "add", "\(Self.outsideV4)/24", "dev", "eth0"])
        try bed.shell(outside, ["ip", "addr", "add", "\(Self.outsideV6)/64", "dev", "eth0", "nodad"])
        try bed.shell(outside, ["ip", "link", "set", "eth0", "up"])
        try bed.shell(outside, ["ip", "route", "add", "default", "via", Self.hostV4])
        try bed.shell(outside, ["ip", "-6", "route", "add", "default", "via", Self.hostV6])
    }

    /// A configuration of network `name` publishing `mappings` (runtime keys, as sent).
    func config(name: String = "kt", bridge: String = "nsbkt0", subnets: (String, String) = ("10.66.0.0/24", "fd66::/64"),
                mappings: [JSONValue]?, capability: Bool = true) -> JSONValue {
        var extra: [String: JSONValue] = [
            "bridge": .string(bridge), "isGateway": true, "isDefaultGateway": true, "hairpinMode": true, "ipMasq": true,
        ]
        if capability { extra["capabilities"] = ["portMappings": true] }
        if let mappings { extra["runtimeConfig"] = ["portMappings": .array(mappings)] }
        let ipam: JSONValue = [
            "type": "host-local", "dataDir": .string(bed.dataDirectory.path),
            "ranges": [[["subnet": .string(subnets.0)]], [["subnet": .string(subnets.1)]]],
        ]
        return bed.config(name: name, ipam: ipam, extra)
    }

    /// The first address of `family` in an ADD result.
    static func address(_ result: JSONValue, v6: Bool) -> String? {
        result["ips"]?.arrayValue?.compactMap { $0["address"]?.stringValue }
            .first { $0.contains(":") == v6 }?.split(separator: "/").first.map(String.init)
    }

    /// `probePort`, retried briefly while addresses settle (IPv6 DAD on the bridge).
    func probe(from namespace: ThrowawayNetworkNamespace, _ transport: String, _ host: String, _ port: Int,
               sourcePort: Int = 0) -> String {
        var answer = ""
        for attempt in 0..<3 {
            answer = probePort(from: namespace, transport, host, port, sourcePort: sourcePort)
            if !answer.hasPrefix("FAIL") || attempt == 2 { break }
            usleep(300_000)
        }
        return answer
    }

    /// Elements left in the port-mapping maps and sets, as `nft` lists them.
    func mappingElements() throws -> String {
        let sets = ["nsb-portmap-any4", "nsb-portmap-any6", "nsb-portmap-at4", "nsb-portmap-at6",
                    "nsb-portmap-hairpin4", "nsb-portmap-hairpin6"]
        var lines: [String] = []
        for set in sets {
            let text = (try? bed.shell(bed.host, ["nft", "list", set.contains("hairpin") ? "set" : "map", "inet", "nsbridge", set])) ?? ""
            lines += text.split(separator: "\n").filter { $0.contains("comment") }.map(String.init)
        }
        return lines.joined(separator: "\n")
    }

    func ruleCount() throws -> Int {
        let text = try bed.shell(bed.host, ["nft", "-a", "list", "table", "inet", "nsbridge"])
        return text.split(separator: "\n").filter { $0.contains("# handle") && !$0.contains("chain ") && !$0.contains("map ") && !$0.contains("set ") }.count
    }
}

/// `{"HostPort", "ContainerPort", "Protocol", "HostIP"}` as containerd's CRI sends it.
func goMapping(_ hostPort: Int, _ containerPort: Int, _ transport: String = "tcp", hostIP: String = "") -> JSONValue {
    ["HostPort": .integer(Int64(hostPort)), "ContainerPort": .integer(Int64(containerPort)),
     "Protocol": .string(transport), "HostIP": .string(hostIP)]
}
