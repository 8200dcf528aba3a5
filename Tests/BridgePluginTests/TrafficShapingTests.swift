@testable import BridgePlugin
import CNIProtocol
import Netlink
import Testing

/// A configuration, and the key its error must name.
let invalidCases: [([String: JSONValue], String)] = [
    (["ingressRate": 1000], "ingressBurst"),
    (["egressBurst": 1000], "egressRate"),
    (["runtimeConfig": ["bandwidth": ["egressRate": -1, "egressBurst": 10]]], "runtimeConfig.bandwidth.egressRate"),
    (["ingressRate": .double(1.5), "ingressBurst": 10], "ingressRate"),
    (["ingressRate": .double(1e30), "ingressBurst": 10], "ingressRate"),
    (["ingressRate": 1000, "ingressBurst": 34_359_738_360], "ingressBurst"),
    (["ingressRate": "10M", "ingressBurst": 10], "ingressRate"),
    (["ingressRate": 7, "ingressBurst": 10], "ingressRate"),
    (["runtimeConfig": ["bandwidth": "fast"]], "runtimeConfig.bandwidth"),
]

@Suite("Bandwidth configuration")
struct BandwidthLimitsTests {
    func limits(_ members: [String: JSONValue]) throws -> BandwidthLimits? {
        try BridgeConfiguration(makeRequest(.add, members)).bandwidth
    }

    func failure(_ members: [String: JSONValue]) -> CNIError? {
        do {
            _ = try BridgeConfiguration(makeRequest(.add, members))
            return nil
        } catch {
            return error as? CNIError
        }
    }

    @Test("runtimeConfig.bandwidth, in containerd's Go field names, wins over the top-level keys")
    func runtimeConfigWins() throws {
        let decoded = try limits([
            "ingressRate": 1000, "ingressBurst": 1000,
            "runtimeConfig": ["bandwidth": ["IngressRate": 40_000_000, "IngressBurst": 4_294_967_295, "EgressRate": 0, "EgressBurst": 0]],
        ])
        #expect(decoded == BandwidthLimits(ingress: .init(rateBitsPerSecond: 40_000_000, burstBits: 4_294_967_295)))
    }

    @Test("top-level keys apply without the capability, as the reference reads them")
    func topLevel() throws {
        let decoded = try limits(["egressRate": 8_000_000, "egressBurst": 80_000])
        #expect(decoded == BandwidthLimits(egress: .init(rateBitsPerSecond: 8_000_000, burstBits: 80_000)))
    }

    @Test("nothing, or zeros everywhere, shapes nothing; the capability alone still makes DEL look for an ifb")
    func nothing() throws {
        #expect(try limits([:]) == nil)
        #expect(try limits(["runtimeConfig": ["bandwidth": ["ingressRate": 0, "ingressBurst": 0]]]) == nil)
        #expect(try BridgeConfiguration(makeRequest(.delete, [:])).mayShapeTraffic == false)
        #expect(try BridgeConfiguration(makeRequest(.delete, ["capabilities": ["bandwidth": true]])).mayShapeTraffic)
    }

    @Test("code 7 names the key: rate without burst, burst without rate, negative, fraction, overflow, 4 GiB burst, not a number",
          arguments: invalidCases)
    func invalid(members: [String: JSONValue], key: String) {
        let error = failure(members)
        #expect(error?.code == .invalidNetworkConfig)
        #expect(error?.message.contains("\"\(key)\"") == true, "\(String(describing: error))")
    }

    @Test("a direction becomes a bucket of rate/8 bytes, burst/8 bytes, and 25 ms of queue on top")
    func tokenBucket() {
        let bucket = KernelTrafficShaper.tokenBucket(.init(rateBitsPerSecond: 40_000_000, burstBits: 400_000))
        #expect(bucket == TokenBucket(rateBytesPerSecond: 5_000_000, burstBytes: 50_000, limitBytes: 175_000))
        let huge = KernelTrafficShaper.tokenBucket(.init(rateBitsPerSecond: .max, burstBits: 8 * UInt64(UInt32.max - 1)))
        #expect(huge.limitBytes == .max, "the limit saturates instead of wrapping")
    }

    @Test("the ifb shares the host veth's hash, and only the plugin's names map back to a veth")
    func naming() {
        let attachment = Attachment(containerID: "c1", ifName: "eth0")
        let ifb = BridgeNaming.ifbName(for: attachment)
        #expect(ifb.hasPrefix("ifb") && ifb.utf8.count == 14)
        #expect(BridgeNaming.hostVethName(forIfb: ifb) == BridgeNaming.hostVethName(for: attachment))
        #expect(BridgeNaming.hostVethName(forIfb: "ifb0") == nil)
        #expect(BridgeNaming.hostVethName(forIfb: "ifbZZZZZZZZZZZ") == nil)
    }
}

@Suite("Traffic shaping in the plugin's operations (fakes)")
struct TrafficShapingOperationTests {
    let shaped: [String: JSONValue] = [
        "ipam": ipamConfig, "capabilities": ["bandwidth": true],
        "runtimeConfig": ["bandwidth": ["ingressRate": 8_000_000, "ingressBurst": 80_000, "egressRate": 8_000_000, "egressBurst": 80_000]],
    ]
    let attachment = Attachment(containerID: "c1", ifName: "eth0")

    @Test("ADD shapes the host veth and lists the ifb last; a plain ADD never opens the shaper")
    func add() throws {
        let fakes = FakeDependencies()
        let result = try BridgePlugin(dependencies: fakes, log: { _ in }).add(makeRequest(.add, shaped))
        let veth = BridgeNaming.hostVethName(for: attachment)
        #expect(fakes.shaperFake.shaped[veth]?.ifb == BridgeNaming.ifbName(for: attachment))
        #expect(result.interfaces.map(\.name).last == BridgeNaming.ifbName(for: attachment))
        #expect(result.ips.first?.interface == 2, "the container interface keeps its index")

        let plain = FakeDependencies()
        _ = try BridgePlugin(dependencies: plain, log: { _ in }).add(makeRequest(.add, ["ipam": ipamConfig]))
        #expect(plain.shaperFake.journal.isEmpty)
    }

    @Test("a failure after shaping rolls the shaping back, and a failed shaping leaves no ifb")
    func rollback() throws {
        let fakes = FakeDependencies()
        fakes.datapath.failAt = "waitUntilUp"
        #expect(throws: InjectedFault.self) { try BridgePlugin(dependencies: fakes, log: { _ in }).add(makeRequest(.add, shaped)) }
        #expect(fakes.shaperFake.shaped.isEmpty && fakes.shaperFake.ifbs.isEmpty)

        let failing = FakeDependencies()
        failing.shaperFake.failAdding = true
        #expect(throws: InjectedFault.self) { try BridgePlugin(dependencies: failing, log: { _ in }).add(makeRequest(.add, shaped)) }
        #expect(failing.shaperFake.ifbs.isEmpty)
        #expect(failing.datapath.hostLinks[BridgeNaming.hostVethName(for: attachment)] == nil)
    }

    @Test("DEL deletes the ifb with an empty CNI_NETNS when the network may shape, and does not look otherwise")
    func delete() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        _ = try plugin.add(makeRequest(.add, shaped))
        let declaredOnly: [String: JSONValue] = ["ipam": ipamConfig, "capabilities": ["bandwidth": true]]
        try plugin.delete(makeRequest(.delete, declaredOnly, netns: ""))
        #expect(fakes.shaperFake.ifbs.isEmpty)
        #expect(fakes.shaperFake.journal.last == "deleteIfb \(BridgeNaming.ifbName(for: attachment))")

        let plain = FakeDependencies()
        try BridgePlugin(dependencies: plain, log: { _ in }).delete(makeRequest(.delete, ["ipam": ipamConfig], netns: ""))
        #expect(plain.shaperFake.journal.isEmpty)
    }

    @Test("DEL of grouped links deletes veth and ifb in one operation, and not one by one")
    func deleteGrouped() throws {
        let fakes = FakeDependencies()
        fakes.shaperFake.groupsLinks = true
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        _ = try plugin.add(makeRequest(.add, shaped))
        try plugin.delete(makeRequest(.delete, shaped))
        #expect(fakes.shaperFake.journal.last == "deleteAttachmentGroup 1")
        #expect(fakes.shaperFake.ifbs.isEmpty)
        #expect(!fakes.datapath.journal.contains { $0.hasPrefix("deleteHostLink") })
    }

    @Test("CHECK reports shaping that differs from the configuration")
    func check() throws {
        let fakes = FakeDependencies()
        let plugin = BridgePlugin(dependencies: fakes, log: { _ in })
        let result = try plugin.add(makeRequest(.add, shaped))
        var withResult = shaped
        withResult["prevResult"] = try result.json(for: .v1_1_0, versionText: "1.1.0")
        try plugin.check(makeRequest(.check, withResult))
        fakes.shaperFake.shaped = [:]
        #expect(throws: CNIError.self) { try plugin.check(makeRequest(.check, withResult)) }
    }

    @Test("GC deletes only ifbs whose veth is gone and whose attachment is not listed")
    func garbageCollect() throws {
        let fakes = FakeDependencies()
        let live = Attachment(containerID: "live", ifName: "eth0")
        let listed = Attachment(containerID: "listed", ifName: "eth0")
        let dead = Attachment(containerID: "dead", ifName: "eth0")
        fakes.shaperFake.ifbs = Set([live, listed, dead].map(BridgeNaming.ifbName(for:)) + ["ifb0"])
        fakes.shaperFake.otherLinks = [BridgeNaming.hostVethName(for: live): "veth"]
        let valid: JSONValue = [["containerID": "listed", "ifname": "eth0"]]
        var members = shaped
        members["cni.dev/valid-attachments"] = valid
        try BridgePlugin(dependencies: fakes, log: { _ in }).garbageCollect(makeRequest(.garbageCollect, members))
        #expect(fakes.shaperFake.ifbs == Set([live, listed].map(BridgeNaming.ifbName(for:)) + ["ifb0"]))
    }
}
