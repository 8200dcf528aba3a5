import BridgePlugin
import CNIProtocol
import IPAM
import Testing

@Suite("ADD announces only addresses neighbours may have cached")
struct FirstUseAnnouncementTests {
    @Test("an address the IPAM hands out for the first time is not announced; a reused one is, after the carrier wait")
    func announcesOnlyReused() throws {
        let fresh = FakeDependencies()
        fresh.allocator?.reportsFirstUse = true
        _ = try BridgePlugin(dependencies: fresh, log: { _ in }).add(makeRequest(.add, ["ipam": ipamConfig]))
        #expect(fresh.datapath.journal.contains("waitUntilUp"), "the carrier wait stays")
        #expect(!fresh.datapath.journal.contains { $0.hasPrefix("announce ") }, "\(fresh.datapath.journal)")

        let reused = FakeDependencies()
        let result = try BridgePlugin(dependencies: reused, log: { _ in }).add(makeRequest(.add, ["ipam": ipamConfig]))
        #expect(reused.datapath.journal.contains("announce eth0 \(result.interfaces[2].mac ?? "") 10.1.0.2"))
    }

    @Test("only the reused addresses of an attachment are announced")
    func announcesTheReusedOnes() throws {
        let fakes = FakeDependencies(allocator: nil)
        let manager = TwoAddressManager()
        let plugin = BridgePlugin(dependencies: ManagerSwap(base: fakes, manager: manager), log: { _ in })
        let result = try plugin.add(makeRequest(.add, ["ipam": ipamConfig]))
        #expect(fakes.datapath.journal.filter { $0.hasPrefix("announce ") } == ["announce eth0 \(result.interfaces[2].mac ?? "") 10.1.0.9"])
    }
}

/// Hands out 10.1.0.9 (reused) and 10.2.0.9 (first use).
private final class TwoAddressManager: AddressManager {
    func allocate(for attachment: CNIProtocol.Attachment) throws -> CNIResult {
        CNIResult(ips: [.init(address: IPNetwork("10.1.0.9/24")!), .init(address: IPNetwork("10.2.0.9/24")!)])
    }

    func allocateNotingFirstUse(for attachment: CNIProtocol.Attachment) throws -> AddressAllocation {
        AddressAllocation(result: try allocate(for: attachment), firstUse: [IPAddress("10.2.0.9")!])
    }

    func release(for attachment: CNIProtocol.Attachment) throws {}
    func addresses(of attachment: CNIProtocol.Attachment) throws -> [IPAddress] { [] }
    func check(_ attachment: CNIProtocol.Attachment, expected: [IPAddress]) throws {}
    func status() throws {}
    func garbageCollect(valid: [CNIProtocol.Attachment]?, isAttachmentAlive: (CNIProtocol.Attachment) -> Bool) throws {}
}

/// The fakes, with another address manager.
private struct ManagerSwap: BridgeDependencies {
    let base: FakeDependencies
    let manager: any AddressManager

    func datapath(for request: PluginRequest) throws -> Datapath { try base.datapath(for: request) }
    func firewall() throws -> Firewall { try base.firewall() }
    func trafficShaper() throws -> TrafficShaper { try base.trafficShaper() }
    func addressManager(for request: PluginRequest) throws -> (any AddressManager)? { manager }
}
