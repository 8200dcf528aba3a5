import CNIProtocol
import Testing

@Suite("Results: per-version encoding, parsing and round trips")
struct CNIResultTests {
    /// A result using every 1.1.0 field, with two IPv4 addresses so 0.2.0's "first of each
    /// family" rule is visible.
    static let full = CNIResult(
        interfaces: [
            .init(name: "cni0", mac: "0a:58:0a:16:00:01", mtu: 1500),
            .init(name: "vethabc", mac: "0a:58:0a:16:00:02", mtu: 1500),
            .init(name: "eth0", mac: "0a:58:0a:16:00:05", sandbox: "/run/netns/c", mtu: 1500,
                  socketPath: "/run/vhost.sock", pciID: "0000:00:1f.6"),
        ],
        ips: [
            .init(address: IPNetwork("10.22.0.5/16")!, gateway: IPAddress("10.22.0.1"), interface: 2),
            .init(address: IPNetwork("10.22.0.6/16")!, interface: 2),
            .init(address: IPNetwork("fd00::5/64")!, gateway: IPAddress("fd00::1"), interface: 2),
        ],
        routes: [
            .init(destination: IPNetwork("0.0.0.0/0")!, gateway: IPAddress("10.22.0.1"), mtu: 1400, advmss: 1360,
                  priority: 10, table: 100, scope: 0),
            .init(destination: IPNetwork("::/0")!),
            .init(destination: IPNetwork("192.168.0.0/24")!, gateway: IPAddress("10.22.0.254")),
        ],
        dns: DNS(nameservers: ["10.22.0.1"], search: ["example.org"])
    )

    static let dns = #""dns":{"nameservers":["10.22.0.1"],"search":["example.org"]}"#

    static let expected11 = #"""
        {"cniVersion":"1.1.0",\#(dns),
         "interfaces":[{"mac":"0a:58:0a:16:00:01","mtu":1500,"name":"cni0"},{"mac":"0a:58:0a:16:00:02","mtu":1500,"name":"vethabc"},
           {"mac":"0a:58:0a:16:00:05","mtu":1500,"name":"eth0","pciID":"0000:00:1f.6","sandbox":"/run/netns/c","socketPath":"/run/vhost.sock"}],
         "ips":[{"address":"10.22.0.5/16","gateway":"10.22.0.1","interface":2},{"address":"10.22.0.6/16","interface":2},
           {"address":"fd00::5/64","gateway":"fd00::1","interface":2}],
         "routes":[{"advmss":1360,"dst":"0.0.0.0/0","gw":"10.22.0.1","mtu":1400,"priority":10,"scope":0,"table":100},
           {"dst":"::/0"},{"dst":"192.168.0.0/24","gw":"10.22.0.254"}]}
        """#

    static let expected10 = #"""
        {"cniVersion":"1.0.0",\#(dns),
         "interfaces":[{"mac":"0a:58:0a:16:00:01","name":"cni0"},{"mac":"0a:58:0a:16:00:02","name":"vethabc"},
           {"mac":"0a:58:0a:16:00:05","name":"eth0","sandbox":"/run/netns/c"}],
         "ips":[{"address":"10.22.0.5/16","gateway":"10.22.0.1","interface":2},{"address":"10.22.0.6/16","interface":2},
           {"address":"fd00::5/64","gateway":"fd00::1","interface":2}],
         "routes":[{"dst":"0.0.0.0/0","gw":"10.22.0.1"},{"dst":"::/0"},{"dst":"192.168.0.0/24","gw":"10.22.0.254"}]}
        """#

    static func expected04(_ version: String) -> String {
        #"""
        {"cniVersion":"\#(version)",\#(dns),
         "interfaces":[{"mac":"0a:58:0a:16:00:01","name":"cni0"},{"mac":"0a:58:0a:16:00:02","name":"vethabc"},
           {"mac":"0a:58:0a:16:00:05","name":"eth0","sandbox":"/run/netns/c"}],
         "ips":[{"address":"10.22.0.5/16","gateway":"10.22.0.1","interface":2,"version":"4"},
           {"address":"10.22.0.6/16","interface":2,"version":"4"},
           {"address":"fd00::5/64","gateway":"fd00::1","interface":2,"version":"6"}],
         "routes":[{"dst":"0.0.0.0/0","gw":"10.22.0.1"},{"dst":"::/0"},{"dst":"192.168.0.0/24","gw":"10.22.0.254"}]}
        """#
    }

    static func expected02(_ version: String) -> String {
        #"""
        {"cniVersion":"\#(version)",\#(dns),
         "ip4":{"gateway":"10.22.0.1","ip":"10.22.0.5/16",
                "routes":[{"dst":"0.0.0.0/0","gw":"10.22.0.1"},{"dst":"192.168.0.0/24","gw":"10.22.0.254"}]},
         "ip6":{"gateway":"fd00::1","ip":"fd00::5/64","routes":[{"dst":"::/0"}]}}
        """#
    }

    static func expected(for version: CNIVersion) -> String {
        switch version {
        case .v1_1_0: return expected11
        case .v1_0_0: return expected10
        case .v0_3_0, .v0_3_1, .v0_4_0: return expected04(version.description)
        default: return expected02(version.description)
        }
    }

    @Test("A 1.1.0 model is written in each version's exact shape", arguments: CNIVersion.supported)
    func downConversion(version: CNIVersion) throws {
        let json = try Self.full.json(for: version, versionText: version.description)
        #expect(json == (try JSONValue(parsing: Self.expected(for: version))))
    }

    @Test("Each version's output parses back and re-encodes identically", arguments: CNIVersion.supported)
    func roundTrip(version: CNIVersion) throws {
        let json = try Self.full.json(for: version, versionText: version.description)
        let parsed = try CNIResult(parsing: json, defaultVersion: .v1_1_0)
        #expect(try parsed.json(for: version, versionText: version.description) == json)
        if version == .v1_1_0 { #expect(parsed == Self.full) }
    }

    @Test("Parsing the 0.2.0 shape lifts ip4/ip6 and their routes")
    func legacyParse() throws {
        let parsed = try CNIResult(parsing: JSONValue(parsing: Self.expected02("0.2.0")), defaultVersion: .v1_0_0)
        #expect(parsed.interfaces.isEmpty)
        #expect(parsed.ips.map(\.address.description) == ["10.22.0.5/16", "fd00::5/64"])
        #expect(parsed.ips.map(\.interface) == [nil, nil])
        #expect(parsed.routes.map(\.destination.description) == ["0.0.0.0/0", "192.168.0.0/24", "::/0"])
        #expect(parsed.dns == Self.full.dns)
    }

    @Test("Without cniVersion the default version picks the shape")
    func defaultVersionPicksShape() throws {
        let legacy = try JSONValue(parsing: #"{"ip4":{"ip":"10.0.0.2/24"}}"#)
        #expect(try CNIResult(parsing: legacy, defaultVersion: .v0_2_0).ips.count == 1)
        // Read as 1.0.0 the same object has no `ips`: the shape follows the version.
        #expect(try CNIResult(parsing: legacy, defaultVersion: .v1_0_0).ips.isEmpty)
    }

    @Test("The cniVersion is echoed exactly as the configuration spelled it")
    func versionText() throws {
        let json = try Self.full.json(for: .v1_0_0, versionText: "1.0.0")
        #expect(json["cniVersion"] == "1.0.0")
    }

    @Test("An L2-only result is refused for 0.1.0 and 0.2.0 and written for newer versions",
          arguments: CNIVersion.supported)
    func layer2Only(version: CNIVersion) throws {
        let result = CNIResult(interfaces: [.init(name: "eth0", mac: "0a:58:00:00:00:01", sandbox: "/run/netns/x")])
        if version < .v0_3_0 {
            #expect(throws: CNIError.self) { try result.json(for: version, versionText: version.description) }
            do {
                _ = try result.json(for: version, versionText: version.description)
            } catch {
                #expect(error.code == .incompatibleCNIVersion)
            }
        } else {
            let json = try result.json(for: version, versionText: version.description)
            #expect(json["ips"] == nil)
            #expect(json["interfaces"]?.arrayValue?.count == 1)
        }
    }

    @Test("Empty members and an empty dns are left out", arguments: CNIVersion.supported)
    func emptyOmitted(version: CNIVersion) throws {
        let result = CNIResult(ips: [.init(address: IPNetwork("10.0.0.2/24")!)])
        let json = try result.json(for: version, versionText: version.description)
        #expect(json["dns"] == nil)
        #expect(json["routes"] == nil)
        #expect(json["interfaces"] == nil)
        #expect(json.serialized().contains("null") == false)
    }

    @Test("Output is printed with sorted keys")
    func sortedKeys() throws {
        let text = try Self.full.json(for: .v1_1_0, versionText: "1.1.0").serialized()
        #expect(text.hasPrefix(#"{"cniVersion":"1.1.0","dns":{"nameservers""#))
    }
}
