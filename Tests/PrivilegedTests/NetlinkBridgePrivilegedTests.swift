import CNIProtocol
import CNITestSupport
import Glibc
import LinuxSupport
import Netlink
import Testing

/// Whether this kernel was built with CONFIG_BRIDGE_VLAN_FILTERING (tried in a scratch namespace).
enum KernelFeatures {
    static let bridgeVLANFiltering: Bool = {
        guard Privileges.canManageNetworkNamespaces,
              let scratch = try? NetworkNamespace.create(),
              let links = try? RouteNetlink(in: scratch) else { return false }
        return (try? links.addBridge(named: "probe0", vlanFiltering: true)) != nil
    }()
}

@Suite(
    "Bridge ports, VLANs, timing and traffic against a real kernel",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct NetlinkBridgePrivilegedTests {
    @Test("hairpin and isolated port flags are set, cleared and read back")
    func portFlags() throws {
        try NetlinkTestbed.with { bed in
            let (_, hostEnd, _) = try bed.attachContainer()
            try bed.hostLinks.setBridgePort(hostEnd.index, hairpin: true, isolated: true)
            var port = try #require(try bed.hostLinks.bridgePortInfo(index: hostEnd.index))
            #expect(port.hairpin && port.isolated && port.name == "vethtest0")
            let observed = try NetlinkObservation.json(in: bed.host, ["bridge", "-j", "-d", "link", "show", "dev", "vethtest0"])
            #expect(observed.first?["hairpin"]?.boolValue == true)
            #expect(observed.first?["isolated"]?.boolValue == true)

            try bed.hostLinks.setBridgePort(hostEnd.index, isolated: false)
            port = try #require(try bed.hostLinks.bridgePortInfo(index: hostEnd.index))
            #expect(port.hairpin && !port.isolated)
            #expect(try bed.hostLinks.bridgePortInfo(index: 9999) == nil)
        }
    }

    @Test(
        "VLAN filtering, an access VLAN and a trunk range are programmed and read back",
        .enabled(if: KernelFeatures.bridgeVLANFiltering, "kernel lacks CONFIG_BRIDGE_VLAN_FILTERING")
    )
    func vlans() throws {
        try NetlinkTestbed.with { bed in
            let (bridge, hostEnd, _) = try bed.attachContainer()
            try bed.hostLinks.setBridgeVLANFiltering(bridge.index, on: true)
            #expect(try bed.hostLinks.link(index: bridge.index)?.bridgeVLANFiltering == true)
            try bed.hostLinks.deleteBridgeVLAN(index: hostEnd.index, vid: 1)
            try bed.hostLinks.addBridgeVLAN(hostEnd.index, vid: 100, pvid: true, untagged: true)
            try bed.hostLinks.addBridgeVLAN(hostEnd.index, vids: 200...300)
            try bed.hostLinks.addBridgeVLAN(bridge.index, vids: 100...100, onBridgeDevice: true)
            let vlans = try bed.hostLinks.bridgeVLANs(index: hostEnd.index)
            #expect(vlans == [BridgeVLAN(ids: 100...100, isPVID: true, isUntagged: true), BridgeVLAN(ids: 200...300)])
            let observed = try NetlinkObservation.json(in: bed.host, ["bridge", "-j", "-c", "vlan", "show", "dev", "vethtest0"])
            let entries = observed.first?["vlans"]?.arrayValue ?? []
            #expect(entries.first?["vlan"]?.integerValue == 100)
            #expect(entries.last?["vlan"]?.integerValue == 200 && entries.last?["vlanEnd"]?.integerValue == 300)
            try bed.hostLinks.deleteBridgeVLAN(hostEnd.index, vids: 250...300)
            #expect(try bed.hostLinks.bridgeVLANs(index: hostEnd.index).last == BridgeVLAN(ids: 200...249))
        }
    }

    @Test("VLAN requests fail with a typed EOPNOTSUPP on kernels without bridge VLAN filtering")
    func vlansUnsupported() throws {
        guard !KernelFeatures.bridgeVLANFiltering else { return }
        try NetlinkTestbed.with { bed in
            let error = #expect(throws: NetlinkError.self) { try bed.hostLinks.addBridge(named: "br0", vlanFiltering: true) }
            #expect(error?.errno == EOPNOTSUPP)
        }
    }

    @Test("two containers on one bridge ping each other")
    func pingAcrossBridge() throws {
        try NetlinkTestbed.with { bed in
            let second = try ThrowawayNetworkNamespace(prefix: NetlinkTestbed.prefix)
            defer {
                second.close()
                #expect(!ThrowawayNetworkNamespace.leftovers(prefix: NetlinkTestbed.prefix).contains(second.name ?? "?"))
            }
            let secondLinks = try RouteNetlink(in: second.namespace)
            let (bridge, firstHost, firstEth0) = try bed.attachContainer()
            try bed.hostLinks.addVethPair(name: "vethtest1", peerName: "eth0", peerNamespace: second.namespace)
            let secondHost = try #require(try bed.hostLinks.link(named: "vethtest1"))
            let secondEth0 = try #require(try secondLinks.link(named: "eth0"))
            try bed.hostLinks.setMaster(secondHost.index, bridgeIndex: bridge.index)
            try bed.hostLinks.setUp(secondHost.index)
            try secondLinks.setUp(secondEth0.index)
            try bed.containerLinks.addAddress(try #require(IPNetwork("10.78.0.2/24")), to: firstEth0.index)
            try secondLinks.addAddress(try #require(IPNetwork("10.78.0.3/24")), to: secondEth0.index)
            try bed.hostLinks.waitUntilOperUp(index: firstHost.index, timeoutMilliseconds: 3000)
            try bed.hostLinks.waitUntilOperUp(index: secondHost.index, timeoutMilliseconds: 3000)
            let output = try NetlinkObservation.run(in: bed.container, ["ping", "-c1", "-W2", "10.78.0.3"])
            #expect(output.contains("1 received"))
        }
    }

    @Test("waitUntilOperUp times out with ETIMEDOUT for a link whose peer stays down")
    func waitTimesOut() throws {
        try NetlinkTestbed.with { bed in
            try bed.hostLinks.addVethPair(name: "vethtest2", peerName: "eth0", peerNamespace: bed.container.namespace)
            let hostEnd = try #require(try bed.hostLinks.link(named: "vethtest2"))
            try bed.hostLinks.setUp(hostEnd.index)
            let error = #expect(throws: NetlinkError.self) { try bed.hostLinks.waitUntilOperUp(index: hostEnd.index, timeoutMilliseconds: 50) }
            #expect(error?.errno == ETIMEDOUT)
        }
    }

    @Test("a typical ADD sequence, one step per request: round trips and wall time")
    func addSequenceCost() throws {
        try NetlinkTestbed.with { bed in
            let cost = try Self.measure(bed) {
                // ensure bridge: create, tolerate EEXIST, read back; then up.
                do { try bed.hostLinks.addBridge(named: "br0") } catch let error as NetlinkError where error.isExists {}
                let bridge = try #require(try bed.hostLinks.link(named: "br0"))
                try bed.hostLinks.setUp(bridge.index)
                try bed.hostLinks.addVethPair(name: "vethtest0", peerName: "eth0", peerNamespace: bed.container.namespace)
                let hostEnd = try #require(try bed.hostLinks.link(named: "vethtest0"))
                try bed.hostLinks.setMaster(hostEnd.index, bridgeIndex: bridge.index)
                try bed.hostLinks.setUp(hostEnd.index)
                try Self.configureContainer(bed, hostEnd: hostEnd)
            }
            print("ADD sequence, step by step: \(cost.trips) netlink round trips, \(cost.micros) µs")
            #expect(cost.trips == 12)
        }
    }

    @Test("a typical ADD sequence with bridge and host end born up and enslaved: round trips and wall time")
    func fusedAddSequenceCost() throws {
        try NetlinkTestbed.with { bed in
            let cost = try Self.measure(bed) {
                do { try bed.hostLinks.addBridge(named: "br0", up: true) } catch let error as NetlinkError where error.isExists {}
                let bridge = try #require(try bed.hostLinks.link(named: "br0"))
                try bed.hostLinks.addVethPair(VethPairSpec(
                    name: "vethtest0", peerName: "eth0", peerNamespace: bed.container.namespace,
                    masterIndex: bridge.index, localUp: true))
                let hostEnd = try #require(try bed.hostLinks.link(named: "vethtest0"))
                #expect(hostEnd.masterIndex == bridge.index && hostEnd.isUp)
                try Self.configureContainer(bed, hostEnd: hostEnd)
            }
            print("ADD sequence, fused: \(cost.trips) netlink round trips, \(cost.micros) µs")
            #expect(cost.trips == 9)
            let observed = try #require(try NetlinkObservation.link("vethtest0", in: bed.host))
            #expect(observed["master"]?.stringValue == "br0" && observed["operstate"]?.stringValue == "UP")
        }
    }

    /// Container side: look up eth0, one address, link up, default route; then wait for the host end.
    private static func configureContainer(_ bed: NetlinkTestbed, hostEnd: LinkInfo) throws {
        let eth0 = try #require(try bed.containerLinks.link(named: "eth0"))
        try bed.containerLinks.addAddress(try #require(IPNetwork("10.79.0.2/24")), to: eth0.index)
        try bed.containerLinks.setUp(eth0.index)
        try bed.containerLinks.addRoute(RouteSpec(
            destination: try #require(IPNetwork("0.0.0.0/0")), gateway: IPAddress("10.79.0.1"), outputInterface: eth0.index))
        let wait = try measure(bed) { try bed.hostLinks.waitUntilOperUp(index: hostEnd.index, timeoutMilliseconds: 2000) }
        print("  of which waitUntilOperUp: \(wait.trips) round trips, \(wait.micros) µs")
    }

    private static func measure(_ bed: NetlinkTestbed, _ body: () throws -> Void) throws -> (trips: Int, micros: Int) {
        var start = timespec()
        var end = timespec()
        let before = bed.hostLinks.roundTrips + bed.containerLinks.roundTrips
        clock_gettime(CLOCK_MONOTONIC, &start)
        try body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        let micros = (end.tv_sec - start.tv_sec) * 1_000_000 + (end.tv_nsec - start.tv_nsec) / 1000
        return (bed.hostLinks.roundTrips + bed.containerLinks.roundTrips - before, micros)
    }
}
