import Testing
import BridgePlugin
import CNIProtocol

/// Deleting the veth waits in the kernel until it is unregistered (a millisecond or two); DEL
/// starts it first and removes the firewall state meanwhile, then closes the firewall's
/// connection (whose kernel release is left to a lingering child) before it waits.
@Suite("DEL removes the firewall state while the kernel unregisters the veth")
struct FirewallReleaseTests {
    @Test("DEL starts the veth deletion, removes and releases the firewall, then waits for the unregistration",
          arguments: [false, true])
    func releasedWhileUnregistering(withNamespace: Bool) throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let keys: [String: JSONValue] = ["ipam": ipamConfig, "ipMasq": true, "macspoofchk": true]
        _ = try plugin.add(makeRequest(.add, keys))
        #expect(fakes.firewallFake.releases == 0, "ADD keeps its connection until the process ends")
        fakes.datapath.journal = []
        try plugin.delete(makeRequest(.delete, keys, netns: withNamespace ? "/run/netns/c1" : ""))
        #expect(fakes.firewallFake.releases == 1)
        let order = fakes.datapath.journal.filter {
            $0.hasPrefix("startDeleting") || $0.hasPrefix("hostLinkUnregistered") || $0 == "release firewall"
        }.map { $0.split(separator: " ")[0] }
        #expect(order == ["startDeletingHostLink", "release", "hostLinkUnregistered"], "\(fakes.datapath.journal)")
        #expect(fakes.firewallFake.masquerade["net1"]?.isEmpty == true)
        #expect(fakes.datapath.hostLinks.keys.sorted() == ["cni0"])
    }
}
