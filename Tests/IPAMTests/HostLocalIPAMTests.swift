#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol
import CNITestSupport
import IPAM
import Testing

@Suite("Built-in IPAM: CHECK, STATUS, GC")
struct HostLocalIPAMTests {
    @Test("CHECK passes for a matching reservation and fails (123) when missing or different")
    func check() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path)
        let got = try ipam.allocate(for: attachment("a")).ips.map(\.address.address)
        try ipam.check(attachment("a"), expected: got)
        try ipam.check(attachment("a"), expected: [])
        #expect(throws: IPAMError.self) { try ipam.check(attachment("a"), expected: [ip("10.22.0.99")]) }
        do {
            try ipam.check(attachment("nobody"), expected: [])
            Issue.record("CHECK passed without a reservation")
        } catch let error as IPAMError {
            #expect(error.cniError.code == .ipamCheckFailed)
        }
    }

    @Test("STATUS is 50 on a full pool and 0 again after a release")
    func statusExhausted() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path, subnet: "10.0.0.0/29")
        try ipam.status()
        for index in 0..<5 { _ = try ipam.allocate(for: attachment("c\(index)")) }
        do {
            try ipam.status()
            Issue.record("STATUS passed on a full pool")
        } catch let error as IPAMError {
            #expect(error.cniError.code == .pluginNotAvailable)
            #expect(error.description.contains("10.0.0.0/29"))
        }
        try ipam.release(for: attachment("c3"))
        try ipam.status()
    }

    @Test("STATUS is 50 when the data directory cannot be written")
    func statusUnwritable() throws {
        let temp = try TemporaryDirectory()
        // A regular file where the data directory should be: nothing can be created under it.
        try writeFile(temp.appending("blocked"), "")
        let ipam = try hostLocal(temp.appending("blocked/data"))
        do {
            try ipam.status()
            Issue.record("STATUS passed on an unusable data directory")
        } catch let error as IPAMError {
            #expect(error.cniError.code == .pluginNotAvailable)
            #expect(error.description.contains("not writable"))
        }
    }

    /// A network with one reservation of each kind, for the GC tests.
    func populated(_ temp: TemporaryDirectory) throws -> HostLocalIPAM {
        let ipam = try hostLocal(temp.path)
        for id in ["keep", "stale", "alive"] { _ = try ipam.allocate(for: attachment(id)) }  // .2 .3 .4
        let net = temp.appending("testnet")
        try writeFile(net + "/10.22.0.10", "legacykeep")
        try writeFile(net + "/10.22.0.11", "legacystale")
        try writeFile(net + "/10.22.0.12", "")  // a writer killed mid-write
        try writeFile(net + "/.nsbridge/.reserving", "stale\r\neth0")
        try writeFile(net + "/notes.txt", "not ours")
        return ipam
    }

    func reserved(_ temp: TemporaryDirectory) -> [String] {
        names(temp.appending("testnet")).filter { IPAddress($0) != nil }
    }

    @Test("GC with a list frees exactly the stale reservations and keeps live, listed and fixed files")
    func garbageCollectWithList() throws {
        let temp = try TemporaryDirectory()
        let ipam = try populated(temp)
        try ipam.garbageCollect(valid: [attachment("keep"), attachment("legacykeep", "eth0")],
                                isAttachmentAlive: { $0.containerID == "alive" })
        #expect(reserved(temp) == ["10.22.0.10", "10.22.0.2", "10.22.0.4"])
        let net = temp.appending("testnet")
        #expect(names(net).contains("lock") && names(net).contains("last_reserved_ip.0") && names(net).contains("notes.txt"))
        #expect(names(net + "/.nsbridge").filter { !$0.hasPrefix("high_water_ip.") } == ["alive@eth0", "keep@eth0"])
    }

    @Test("GC with an empty list frees everything that is not alive")
    func garbageCollectEmptyList() throws {
        let temp = try TemporaryDirectory()
        let ipam = try populated(temp)
        try ipam.garbageCollect(valid: [], isAttachmentAlive: { $0.containerID == "alive" })
        #expect(reserved(temp) == ["10.22.0.4"])
    }

    @Test("GC without the key frees only what is provably dead and keeps legacy records")
    func garbageCollectMissingKey() throws {
        let temp = try TemporaryDirectory()
        let ipam = try populated(temp)
        try ipam.garbageCollect(valid: nil, isAttachmentAlive: { $0.containerID == "alive" || $0.containerID == "keep" })
        #expect(reserved(temp) == ["10.22.0.10", "10.22.0.11", "10.22.0.2", "10.22.0.4"])
    }

    @Test("GC keeps going past a failure and reports all failures at the end")
    func garbageCollectAggregates() throws {
        let store = InMemoryLeaseStore(leases: [ip("10.22.0.2"): .attachment(attachment("a")),
                                                ip("10.22.0.3"): .attachment(attachment("b")),
                                                ip("10.22.0.4"): .attachment(attachment("c"))])
        store.failRemoving = ip("10.22.0.3")
        let ipam = HostLocalIPAM(configuration: try ipamConfiguration(#"{"type":"host-local","subnet":"10.22.0.0/24"}"#), store: store)
        do {
            try ipam.garbageCollect(valid: [], isAttachmentAlive: { _ in false })
            Issue.record("GC reported success")
        } catch let error as IPAMError {
            #expect(error.description.contains("10.22.0.3"))
        }
        #expect(store.leasesByAddress.keys.sorted() == [ip("10.22.0.3")])
    }

    @Test("DNS comes from resolvConf; routes are copied into the result")
    func dnsAndRoutes() throws {
        let temp = try TemporaryDirectory()
        try writeFile(temp.appending("resolv.conf"), "nameserver 10.0.0.53\nsearch example.test\n")
        let ipam = #"{"type":"host-local","dataDir":"\#(temp.path)","subnet":"10.22.0.0/24","resolvConf":"\#(temp.appending("resolv.conf"))","routes":[{"dst":"0.0.0.0/0"}]}"#
        let manager = HostLocalIPAM(configuration: try IPAMConfiguration(request: makeRequest(networkJSON(ipam: ipam))))
        let result = try manager.allocate(for: attachment("a"))
        #expect(result.dns == DNS(nameservers: ["10.0.0.53"], search: ["example.test"]))
        #expect(result.routes == [CNIResult.Route(destination: IPNetwork("0.0.0.0/0")!)])
    }

    @Test("makeAddressManager: none for L2-only, built-in for host-local and nsbridge, delegated otherwise")
    func factory() throws {
        #expect(try makeAddressManager(for: makeRequest(#"{"cniVersion":"1.0.0","name":"n","type":"nsbridge"}"#)) == nil)
        #expect(try makeAddressManager(for: makeRequest(networkJSON(ipam: #"{"type":""}"#))) == nil)
        for type in ["host-local", "nsbridge"] {
            let manager = try makeAddressManager(for: makeRequest(networkJSON(ipam: #"{"type":"\#(type)","subnet":"10.1.0.0/24"}"#)))
            #expect(manager is HostLocalIPAM)
        }
        let delegated = try makeAddressManager(for: makeRequest(networkJSON(ipam: #"{"type":"dhcp"}"#)))
        #expect((delegated as? DelegatedIPAM)?.type == "dhcp")
        #expect(throws: IPAMError.self) { _ = try makeAddressManager(for: makeRequest(networkJSON(ipam: #"{"type":"../../tmp/evil"}"#))) }
    }
}
