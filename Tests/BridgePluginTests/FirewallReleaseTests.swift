import Glibc
import Testing
import BridgePlugin
import CNIProtocol

/// Releasing the netfilter socket after DEL's deletions waits for a kernel grace period (8 ms
/// measured with the tenancy guards), and so does deleting the veth. DEL deletes the veth on a
/// thread of its own while the calling thread removes the firewall state and releases the
/// socket, so that the two waits overlap instead of following each other.
@Suite("DEL deletes the veth beside the firewall's removal")
struct FirewallReleaseTests {
    @Test("DEL deletes the veth on another thread and releases the firewall's socket once, on the calling thread",
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
            #expect(pthread_equal(thread, pthread_self()) != 0, "released on the calling thread")
        }
        #expect(fakes.datapath.hostLinkDeletions.threads.count == 1)
        if let thread = fakes.datapath.hostLinkDeletions.threads.first {
            #expect(pthread_equal(thread, pthread_self()) == 0, "the veth deleted on another thread")
        }
        #expect(fakes.firewallFake.masquerade["net1"]?.isEmpty == true)
    }
}
