import Glibc
import Testing
import BridgePlugin
import CNIProtocol

/// Releasing the netfilter socket after DEL's deletions waits for a kernel grace period (8 ms
/// measured with the tenancy guards). DEL must release it on a thread of its own, beside the
/// veth deletion, not on the main thread after it.
@Suite("DEL releases the firewall on its own thread")
struct FirewallReleaseTests {
    @Test("DEL releases the firewall's socket once, on another thread, after removing its state",
          arguments: [false, true])
    func releasedBesideVethDeletion(withNamespace: Bool) throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let keys: [String: JSONValue] = ["ipam": ipamConfig, "ipMasq": true, "macspoofchk": true]
        _ = try plugin.add(makeRequest(.add, keys))
        #expect(fakes.firewallFake.releasedOnThreads.isEmpty, "ADD keeps its connection until the process ends")
        try plugin.delete(makeRequest(.delete, keys, netns: withNamespace ? "/run/netns/c1" : ""))
        #expect(fakes.firewallFake.releasedOnThreads.count == 1)
        if let thread = fakes.firewallFake.releasedOnThreads.first {
            #expect(pthread_equal(thread, pthread_self()) == 0, "released on the calling thread, after the veth deletion")
        }
        #expect(fakes.firewallFake.masquerade["net1"]?.isEmpty == true)
    }
}
