import CNIProtocol
import CNITestSupport
import Glibc
import LinuxSupport
import Netlink
import Testing

/// A throwaway "host" namespace and "container" namespace with a RouteNetlink in each.
final class NetlinkTestbed {
    static let prefix = "nltest"
    let host: ThrowawayNetworkNamespace
    let container: ThrowawayNetworkNamespace
    let hostLinks: RouteNetlink
    let containerLinks: RouteNetlink

    init() throws {
        host = try ThrowawayNetworkNamespace(prefix: Self.prefix)
        container = try ThrowawayNetworkNamespace(prefix: Self.prefix)
        hostLinks = try RouteNetlink(in: host.namespace)
        containerLinks = try RouteNetlink(in: container.namespace)
    }

    func close() {
        host.close()
        container.close()
    }

    /// Runs `body` with a fresh testbed, always removing it and checking that nothing leaked.
    static func with(_ body: (NetlinkTestbed) throws -> Void) throws {
        let bed = try NetlinkTestbed()
        defer {
            bed.close()
            // Other suites run concurrently with the same prefix, so check only our own names.
            let ours = [bed.host.name, bed.container.name].compactMap { $0 }
            #expect(Set(ThrowawayNetworkNamespace.leftovers(prefix: prefix)).isDisjoint(with: ours), "leaked test namespaces")
        }
        try body(bed)
    }

    /// bridge `br0` + veth `vethtest0` (host) / `eth0` (container), enslaved and up.
    func attachContainer(mac: [UInt8]? = nil) throws -> (bridge: LinkInfo, hostEnd: LinkInfo, containerEnd: LinkInfo) {
        try hostLinks.addBridge(named: "br0", mtu: 1400)
        let bridge = try #require(try hostLinks.link(named: "br0"))
        try hostLinks.addVethPair(name: "vethtest0", peerName: "eth0", peerNamespace: container.namespace, mtu: 1400, peerMAC: mac)
        let hostEnd = try #require(try hostLinks.link(named: "vethtest0"))
        let containerEnd = try #require(try containerLinks.link(named: "eth0"))
        try hostLinks.setMaster(hostEnd.index, bridgeIndex: bridge.index)
        try hostLinks.setUp(bridge.index)
        try hostLinks.setUp(hostEnd.index)
        try containerLinks.setUp(containerEnd.index)
        return (bridge, hostEnd, containerEnd)
    }
}

@Suite(
    "RouteNetlink against a real kernel (throwaway namespaces)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct NetlinkPrivilegedTests {
    @Test("a bridge is created with an MTU, and a second create fails with EEXIST")
    func bridgeCreation() throws {
        try NetlinkTestbed.with { bed in
            try bed.hostLinks.addBridge(named: "br0", mtu: 1400)
            let bridge = try #require(try bed.hostLinks.link(named: "br0"))
            #expect(bridge.kind == "bridge")
            #expect(bridge.mtu == 1400)
            #expect(bridge.bridgeVLANFiltering == false)
            #expect(bridge.mac.count == 6)
            let observed = try #require(try NetlinkObservation.link("br0", in: bed.host))
            #expect(observed["linkinfo"]?["info_kind"]?.stringValue == "bridge")
            #expect(observed["mtu"]?.integerValue == 1400)
            #expect(observed["address"]?.stringValue == bridge.macString)

            let error = #expect(throws: NetlinkError.self) { try bed.hostLinks.addBridge(named: "br0") }
            #expect(error?.isExists == true)
            #expect(error?.description.contains("br0") == true)

            try bed.hostLinks.setPromiscuous(bridge.index, on: true)
            #expect(try bed.hostLinks.link(index: bridge.index)?.isPromiscuous == true)
            #expect(try NetlinkObservation.link("br0", in: bed.host)?["promiscuity"]?.integerValue == 1)
        }
    }

    @Test("a veth peer is born in the container namespace, enslaved, and reaches operstate UP")
    func vethIntoContainer() throws {
        try NetlinkTestbed.with { bed in
            let mac: [UInt8] = [0x0a, 0x58, 0x0a, 0x01, 0x00, 0x05]
            let (bridge, hostEnd, containerEnd) = try bed.attachContainer(mac: mac)
            #expect(hostEnd.kind == "veth" && containerEnd.kind == "veth")
            #expect(containerEnd.macString == "0a:58:0a:01:00:05")
            #expect(containerEnd.mtu == 1400 && hostEnd.mtu == 1400)
            #expect(hostEnd.linkNamespaceID != nil)
            #expect(try bed.hostLinks.link(named: "eth0") == nil, "the peer must not exist on the host side")
            try bed.hostLinks.waitUntilOperUp(index: hostEnd.index, timeoutMilliseconds: 2000)

            let host = try #require(try bed.hostLinks.link(index: hostEnd.index))
            #expect(host.masterIndex == bridge.index)
            #expect(host.isUp && host.operationalState == .up)
            #expect(host.linkIndex == containerEnd.index)
            let observed = try #require(try NetlinkObservation.link("vethtest0", in: bed.host))
            #expect(observed["master"]?.stringValue == "br0")
            #expect(observed["operstate"]?.stringValue == "UP")
            let peer = try #require(try NetlinkObservation.link("eth0", in: bed.container))
            #expect(peer["address"]?.stringValue == "0a:58:0a:01:00:05")
            let names = try bed.containerLinks.links().map(\.name).sorted()
            #expect(names == ["eth0", "lo"])
        }
    }

    @Test("veth creation reports EEXIST naming both candidates when the container name is taken")
    func vethNameClash() throws {
        try NetlinkTestbed.with { bed in
            try bed.containerLinks.addBridge(named: "eth0")
            let error = #expect(throws: NetlinkError.self) {
                try bed.hostLinks.addVethPair(name: "vethtest1", peerName: "eth0", peerNamespace: bed.container.namespace)
            }
            #expect(error?.isExists == true)
            #expect(error?.operation.contains("eth0") == true && error?.operation.contains("vethtest1") == true)
            #expect(try bed.hostLinks.link(named: "vethtest1") == nil, "nothing half-created")
        }
    }

    @Test("missing links are typed not-found errors; deleteLink(named:) reports absence")
    func notFoundErrors() throws {
        try NetlinkTestbed.with { bed in
            #expect(try bed.hostLinks.link(named: "nosuchlink") == nil)
            #expect(try bed.hostLinks.link(index: 9999) == nil)
            let error = #expect(throws: NetlinkError.self) { try bed.hostLinks.setUp(9999) }
            #expect(error?.isNotFound == true)
            #expect(error?.errno == ENODEV)
            let deleteError = #expect(throws: NetlinkError.self) { try bed.hostLinks.deleteLink(index: 9999) }
            #expect(deleteError?.isNotFound == true)

            try bed.hostLinks.addBridge(named: "br0")
            #expect(try bed.hostLinks.deleteLink(named: "br0") == true)
            #expect(try bed.hostLinks.deleteLink(named: "br0") == false)
            #expect(try bed.hostLinks.link(named: "br0") == nil)
        }
    }

    @Test("deleting the host end of a veth removes the container end too")
    func vethDeletion() throws {
        try NetlinkTestbed.with { bed in
            let (_, hostEnd, _) = try bed.attachContainer()
            try bed.hostLinks.deleteLink(index: hostEnd.index)
            #expect(try bed.containerLinks.link(named: "eth0") == nil)
            let links = try NetlinkObservation.json(in: bed.container, ["ip", "-j", "link", "show"])
            #expect(links.compactMap { $0["ifname"]?.stringValue } == ["lo"])
        }
    }

    @Test("LinkUnregistration: when wait returns, both ends and the bridge port are gone and the name is free; a missing index is false")
    func unregistrationBeforeAcknowledgement() throws {
        try NetlinkTestbed.with { bed in
            let (bridge, hostEnd, _) = try bed.attachContainer()
            let removed = try bed.host.run { try LinkUnregistration(index: hostEnd.index).wait() }
            #expect(removed)
            #expect(try bed.hostLinks.link(index: hostEnd.index) == nil)
            #expect(try bed.containerLinks.link(named: "eth0") == nil)
            #expect(try bed.hostLinks.links().filter { $0.masterIndex == bridge.index }.isEmpty, "no port left on br0")
            // The name can be taken again at once, as a runtime's next ADD does.
            try bed.hostLinks.addVethPair(name: "vethtest0", peerName: "eth0", peerNamespace: bed.container.namespace)
            #expect(try bed.containerLinks.link(named: "eth0") != nil)
            let again = try #require(try bed.hostLinks.link(named: "vethtest0"))
            #expect(try bed.host.run { try LinkUnregistration(index: again.index).wait() })
            #expect(try bed.host.run { try LinkUnregistration(index: again.index).wait() } == false, "ENODEV is no link")
        }
    }

    @Test("addresses are added, listed, rejected when duplicated, and deleted")
    func addresses() throws {
        try NetlinkTestbed.with { bed in
            let (_, _, eth0) = try bed.attachContainer()
            let v4 = try #require(IPNetwork("10.77.0.5/24"))
            let v6 = try #require(IPNetwork("fd00:77::5/64"))
            try bed.containerLinks.addAddress(v4, to: eth0.index)
            try bed.containerLinks.addAddress(v6, to: eth0.index, noDAD: true)
            let listed = try bed.containerLinks.addresses(of: eth0.index)
            #expect(listed.contains(v4) && listed.contains(v6))
            #expect(try bed.containerLinks.addresses(of: eth0.index, family: .v4) == [v4])

            let observed = try NetlinkObservation.json(in: bed.container, ["ip", "-j", "addr", "show", "dev", "eth0"])
            let info = observed.first?["addr_info"]?.arrayValue ?? []
            let v4Info = info.first { $0["local"]?.stringValue == "10.77.0.5" }
            #expect(v4Info?["prefixlen"]?.integerValue == 24)
            #expect(v4Info?["broadcast"]?.stringValue == "10.77.0.255")
            let v6Info = info.first { $0["local"]?.stringValue == "fd00:77::5" }
            #expect(v6Info?["nodad"]?.boolValue == true)

            let duplicate = #expect(throws: NetlinkError.self) { try bed.containerLinks.addAddress(v4, to: eth0.index) }
            #expect(duplicate?.isExists == true)
            try bed.containerLinks.deleteAddress(v4, from: eth0.index)
            #expect(try bed.containerLinks.addresses(of: eth0.index, family: .v4).isEmpty)
            let missing = #expect(throws: NetlinkError.self) { try bed.containerLinks.deleteAddress(v4, from: eth0.index) }
            #expect(missing?.isNotFound == true)
        }
    }

    @Test("routes carry gateway, metric, table, scope, mtu and advmss, and read back the same")
    func routes() throws {
        try NetlinkTestbed.with { bed in
            let (_, _, eth0) = try bed.attachContainer()
            try bed.containerLinks.addAddress(try #require(IPNetwork("10.77.0.5/24")), to: eth0.index)
            let defaultRoute = RouteSpec(
                destination: try #require(IPNetwork("0.0.0.0/0")), gateway: IPAddress("10.77.0.1"),
                outputInterface: eth0.index, priority: 50, mtu: 1300, advertisedMSS: 1260)
            let tableRoute = RouteSpec(
                destination: try #require(IPNetwork("192.168.50.0/24")), outputInterface: eth0.index, table: 100, scope: .link)
            try bed.containerLinks.addRoute(defaultRoute)
            try bed.containerLinks.addRoute(tableRoute)

            let main = try bed.containerLinks.routes(family: .v4)
            let readDefault = try #require(main.first { $0.destination.prefixLength == 0 })
            #expect(readDefault.gateway == IPAddress("10.77.0.1"))
            #expect(readDefault.priority == 50 && readDefault.mtu == 1300 && readDefault.advertisedMSS == 1260)
            #expect(readDefault.scope == .universe && readDefault.outputInterface == eth0.index)
            #expect(main.contains { $0.destination == IPNetwork("10.77.0.0/24") && $0.scope == .link })
            let table100 = try bed.containerLinks.routes(family: .v4, table: 100)
            #expect(table100.count == 1 && table100.first?.scope == .link && table100.first?.table == 100)

            let observed = try NetlinkObservation.json(in: bed.container, ["ip", "-j", "-d", "route", "show", "default"])
            #expect(observed.first?["gateway"]?.stringValue == "10.77.0.1")
            #expect(observed.first?["metric"]?.integerValue == 50)
            let inTable = try NetlinkObservation.json(in: bed.container, ["ip", "-j", "route", "show", "table", "100"])
            #expect(inTable.first?["dst"]?.stringValue == "192.168.50.0/24" && inTable.first?["scope"]?.stringValue == "link")

            try bed.containerLinks.addAddress(try #require(IPNetwork("fd00:77::5/64")), to: eth0.index, noDAD: true)
            let v6Default = RouteSpec(
                destination: try #require(IPNetwork("::/0")), gateway: IPAddress("fd00:77::1"), outputInterface: eth0.index)
            try bed.containerLinks.addRoute(v6Default)
            let v6Routes = try bed.containerLinks.routes(family: .v6)
            #expect(v6Routes.contains { $0.destination.prefixLength == 0 && $0.gateway == IPAddress("fd00:77::1") })
            #expect(v6Routes.contains { $0.destination == IPNetwork("fd00:77::/64") })

            let duplicate = #expect(throws: NetlinkError.self) { try bed.containerLinks.addRoute(defaultRoute) }
            #expect(duplicate?.isExists == true)
            let unreachable = #expect(throws: NetlinkError.self) {
                try bed.containerLinks.addRoute(RouteSpec(
                    destination: try #require(IPNetwork("10.99.0.0/16")), gateway: IPAddress("192.0.2.1")))
            }
            #expect(unreachable?.kernelMessage == "Nexthop has invalid gateway", "extended ACK text from the kernel")
            try bed.containerLinks.deleteRoute(tableRoute)
            #expect(try bed.containerLinks.routes(family: .v4, table: 100).isEmpty)
            let missing = #expect(throws: NetlinkError.self) { try bed.containerLinks.deleteRoute(tableRoute) }
            #expect(missing?.isNotFound == true)
        }
    }
}
