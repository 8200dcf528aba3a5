import CNIProtocol
import IPAM
import Testing

/// IPAM keys as containerd (go-cni, Go field names, every field present even when empty) and
/// CRI-O (ocicni, camelCase) send them, read as host-local reads them.
@Suite("IPAM keys in the casings runtimes send")
struct RuntimeRangeCasingTests {
    @Test("containerd's IPRanges with empty RangeStart/RangeEnd/Gateway: the empty ones are absent")
    func containerdRangesWithEmptyFields() throws {
        let configuration = try ipamConfiguration(
            #"{"type":"host-local","ranges":[[{"subnet":"10.2.0.0/24"}]]}"#,
            extra: #","runtimeConfig":{"IPRanges":[[{"Subnet":"10.3.0.0/24","RangeStart":"","RangeEnd":"","Gateway":""}]]}"#)
        #expect(configuration.rangeSets.map(\.description) == ["10.3.0.0/24", "10.2.0.0/24"])
        let range = configuration.rangeSets[0].ranges[0]
        #expect(range.rangeStart == ip("10.3.0.1") && range.rangeEnd == ip("10.3.0.254") && range.gateway == ip("10.3.0.1"))
    }

    @Test("CRI-O's ipRanges in camelCase")
    func crioRanges() throws {
        let configuration = try ipamConfiguration(
            #"{"type":"host-local","ranges":[[{"subnet":"10.2.0.0/24"}]]}"#,
            extra: #","runtimeConfig":{"ipRanges":[[{"subnet":"10.4.0.0/24","rangeStart":"10.4.0.100","gateway":"10.4.0.254"}]]}"#)
        #expect(configuration.rangeSets[0].ranges[0].rangeStart == ip("10.4.0.100"))
        #expect(configuration.rangeSets[0].ranges[0].gateway == ip("10.4.0.254"))
    }

    @Test("Requested addresses from args.CNI.IPs and runtimeConfig.IPs, as Go reads those keys")
    func requestedAddressesInGoCasing() throws {
        let configuration = try ipamConfiguration(
            #"{"type":"host-local","ranges":[[{"subnet":"10.2.0.0/24"}]]}"#,
            extra: #","Args":{"CNI":{"IPs":["10.2.0.7"]}},"RuntimeConfig":{"IPs":["10.2.0.8/24"]}"#)
        #expect(configuration.requestedAddresses == [ip("10.2.0.7"), ip("10.2.0.8")])
    }

    @Test("The ipam object's own keys in Go's spelling: Routes, DataDir, ResolvConf, legacy Subnet")
    func ipamKeysInGoCasing() throws {
        let configuration = try ipamConfiguration(
            #"{"Type":"host-local","Subnet":"10.5.0.0/24","Gateway":"10.5.0.254","Routes":[{"Dst":"0.0.0.0/0"}],"DataDir":"/tmp/ipam-x"}"#)
        #expect(configuration.rangeSets.map(\.description) == ["10.5.0.0/24"])
        #expect(configuration.rangeSets[0].ranges[0].gateway == ip("10.5.0.254"))
        #expect(configuration.routes.map(\.destination.description) == ["0.0.0.0/0"])
        #expect(configuration.dataDirectory == "/tmp/ipam-x")
    }

    @Test("A delegated IPAM plugin named under \"Type\" is found, as Go's IPAM loader finds it")
    func delegatedTypeInGoCasing() throws {
        let request = try makeRequest(networkJSON(ipam: #"{"Type":"dhcp"}"#))
        #expect(try DelegatedIPAM(request: request, environment: []).type == "dhcp")
    }
}
