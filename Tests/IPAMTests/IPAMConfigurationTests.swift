import CNIProtocol
import CNITestSupport
import IPAM
import Testing

@Suite("IPAM configuration")
struct IPAMConfigurationTests {
    @Test("defaults follow the reference code: start subnet+1, end broadcast-1 (v4) or last (v6), gateway subnet+1")
    func defaults() throws {
        let configuration = try ipamConfiguration(#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/16"}],[{"subnet":"fd00::/120"}]]}"#)
        let v4 = configuration.rangeSets[0].ranges[0]
        #expect(v4.rangeStart == ip("10.22.0.1") && v4.rangeEnd == ip("10.22.255.254") && v4.gateway == ip("10.22.0.1"))
        #expect(configuration.rangeSets[0].capacity == 65533)
        let v6 = configuration.rangeSets[1].ranges[0]
        #expect(v6.rangeStart == ip("fd00::1") && v6.rangeEnd == ip("fd00::ff") && v6.gateway == ip("fd00::1"))
        #expect(configuration.dataDirectory == "/var/lib/cni/networks")
        #expect(configuration.networkName == "testnet")
    }

    @Test("the deprecated top-level subnet comes first, runtimeConfig.ipRanges before everything")
    func rangeOrder() throws {
        let configuration = try ipamConfiguration(
            #"{"type":"host-local","subnet":"10.1.0.0/24","gateway":"10.1.0.254","ranges":[[{"subnet":"10.2.0.0/24"}]]}"#,
            extra: #","runtimeConfig":{"ipRanges":[[{"subnet":"10.3.0.0/24","rangeStart":"10.3.0.10","rangeEnd":"10.3.0.20"}]]}"#)
        #expect(configuration.rangeSets.map(\.description) == ["10.3.0.0/24", "10.1.0.0/24", "10.2.0.0/24"])
        #expect(configuration.rangeSets[1].ranges[0].gateway == ip("10.1.0.254"))
        #expect(configuration.rangeSets[0].ranges[0].rangeStart == ip("10.3.0.10"))
    }

    @Test("containerd's Go field names (IPRanges, Subnet, RangeStart, Gateway) are read as Go reads them")
    func goFieldNames() throws {
        let configuration = try ipamConfiguration(
            #"{"Type":"host-local","Ranges":[[{"Subnet":"10.2.0.0/24"}]],"DataDir":"/tmp/x"}"#,
            extra: #","runtimeConfig":{"IPRanges":[[{"Subnet":"10.3.0.0/24","RangeStart":"10.3.0.10","RangeEnd":"10.3.0.20","Gateway":"10.3.0.1"}]]}"#)
        #expect(configuration.rangeSets.map(\.description) == ["10.3.0.0/24", "10.2.0.0/24"])
        #expect(configuration.rangeSets[0].ranges[0].rangeStart == ip("10.3.0.10"))
        #expect(configuration.rangeSets[0].ranges[0].gateway == ip("10.3.0.1"))
        #expect(configuration.dataDirectory == "/tmp/x")
    }

    @Test("requested IPs from CNI_ARGS, args.cni.ips and runtimeConfig.ips; prefixes ignored, duplicates dropped")
    func requestedAddresses() throws {
        let configuration = try ipamConfiguration(
            #"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/16"}],[{"subnet":"fd00::/64"}]]}"#,
            extra: #","args":{"cni":{"ips":["fd00::7/64"]}},"runtimeConfig":{"ips":["10.22.0.9/16","10.22.0.9/16"]}"#,
            arguments: "IgnoreUnknown=1;IP=10.22.0.9;K8S_POD_NAME=x")
        #expect(configuration.requestedAddresses == [ip("10.22.0.9"), ip("fd00::7")])
    }

    @Test("routes keep the 1.1 fields; resolvConf path is read")
    func routes() throws {
        let configuration = try ipamConfiguration(
            #"{"type":"host-local","subnet":"10.22.0.0/16","routes":[{"dst":"0.0.0.0/0"},{"dst":"10.9.0.0/16","gw":"10.22.0.3","mtu":1400,"advmss":1360,"priority":5,"table":100,"scope":0}],"resolvConf":"/etc/x.conf","dataDir":"/tmp/d"}"#)
        #expect(configuration.routes.count == 2)
        #expect(configuration.routes[1] == CNIResult.Route(destination: IPNetwork("10.9.0.0/16")!, gateway: ip("10.22.0.3"),
                                                           mtu: 1400, advmss: 1360, priority: 5, table: 100, scope: 0))
        #expect(configuration.resolvConfPath == "/etc/x.conf" && configuration.dataDirectory == "/tmp/d")
    }

    static let invalid: [(ipam: String, mentions: String)] = [
        (#"{"type":"host-local"}"#, "no IP ranges"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.5/16"}]]}"#, "10.22.0.5/16"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/31"}]]}"#, "too small"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/32"}]]}"#, "too small"),
        (#"{"type":"host-local","ranges":[[{"subnet":"fd00::/127"}]]}"#, "too small"),
        (#"{"type":"host-local","ranges":[[{"subnet":"fd00::/128"}]]}"#, "too small"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/16","rangeStart":"10.23.0.1"}]]}"#, "10.23.0.1"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/16","rangeEnd":"10.21.0.1"}]]}"#, "10.21.0.1"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/16","rangeStart":"10.22.0.9","rangeEnd":"10.22.0.3"}]]}"#, "after rangeEnd"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/16","gateway":"10.9.0.1"}]]}"#, "10.9.0.1"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/16","gateway":"10.22.0.256"}]]}"#, "10.22.0.256"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0/16"}]]}"#, "10.22.0/16"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/24"},{"subnet":"fd00::/64"}]]}"#, "mixes"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/24"},{"subnet":"10.22.0.0/25"}]]}"#, "overlap"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/16"}],[{"subnet":"10.22.5.0/24"}]]}"#, "overlaps with range set 1"),
        (#"{"type":"host-local","subnet":"10.22.0.0/16","ranges":[[{"subnet":"10.22.0.0/16"}]]}"#, "overlaps"),
        (#"{"type":"host-local","ranges":[[{"rangeStart":"10.22.0.1"}]]}"#, "no \"subnet\""),
        (#"{"type":"host-local","ranges":{"subnet":"10.22.0.0/16"}}"#, "list of range sets"),
        (#"{"type":"host-local","subnet":"10.22.0.0/16","routes":[{"dst":"default"}]}"#, "dst"),
    ]

    @Test("invalid configurations fail with code 7 naming the offending value", arguments: invalid)
    func validation(_ item: (ipam: String, mentions: String)) throws {
        do {
            _ = try ipamConfiguration(item.ipam)
            Issue.record("accepted \(item.ipam)")
        } catch let error as IPAMError {
            #expect(error.cniError.code == .invalidNetworkConfig)
            #expect(error.description.contains(item.mentions), "\(error.description)")
        }
    }

    @Test("a malformed requested IP is code 7")
    func badRequestedAddress() throws {
        #expect(throws: IPAMError.self) {
            _ = try ipamConfiguration(#"{"type":"host-local","subnet":"10.22.0.0/16"}"#, arguments: "IP=10.22.0.x")
        }
    }

    @Test("before 0.3.0 only one range set per family")
    func oldVersionsOneAddressPerFamily() throws {
        let json = networkJSON(ipam: #"{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"10.2.0.0/24"}]]}"#,
                               version: "0.2.0")
        #expect(throws: IPAMError.self) { _ = try IPAMConfiguration(request: makeRequest(json)) }
    }

    @Test("resolv.conf parsing: nameservers, last domain, search, options, comments")
    func resolvConf() {
        let dns = ResolvConf.parse("""
            # comment
            nameserver 10.0.0.1
            nameserver 10.0.0.2 ; trailing
            domain a.example
            domain b.example
            search x.example y.example
            ;nameserver 10.9.9.9
            options ndots:5 edns0
            """)
        #expect(dns == DNS(nameservers: ["10.0.0.1", "10.0.0.2"], domain: "b.example", search: ["x.example", "y.example"],
                           options: ["ndots:5", "edns0"]))
    }
}
