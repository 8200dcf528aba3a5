import CNIProtocol
import Foundation
import Nftables
import Testing

private func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

@Suite(.serialized, .enabled(if: canRunNftablesKernelTests, "needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN) for a throwaway network namespace"))
struct NftablesScalingTests {
    /// Median wall time of ADD and DEL (with addresses, as the plugin calls it) of one more
    /// attachment when `existing` attachments are already on the network.
    private func measure(existing: Int, rounds: Int = 30)
        throws -> (add: Double, delete: Double, listingDelete: Double, rules: Int, elements: Int)
    {
        let host = try TestNamespace("scale")
        let subnet = IPNetwork("10.64.0.0/16")!
        var adds: [Double] = []
        var deletes: [Double] = []
        var listingDeletes: [Double] = []
        try host.enter {
            let firewall = MasqueradeFirewall(transport: try MNLNftablesTransport())
            for index in 0..<existing {
                try firewall.add(network: "scale", attachment: Attachment(containerID: "c\(index)", ifName: "eth0"),
                                 addresses: [.v4(0x0a40_0100 + UInt32(index))], subnets: [subnet])
            }
            for round in 0..<rounds {
                let attachment = Attachment(containerID: "probe\(round)", ifName: "eth0")
                let address = IPAddress.v4(0x0a40_ff00 + UInt32(round))
                let start = now()
                try firewall.add(network: "scale", attachment: attachment, addresses: [address], subnets: [subnet])
                let middle = now()
                try firewall.remove(network: "scale", attachment: attachment, addresses: [address])
                deletes.append(now() - middle)
                adds.append(middle - start)
                // The same DEL when the caller no longer knows the addresses: lists the maps.
                try firewall.add(network: "scale", attachment: attachment, addresses: [address], subnets: [subnet])
                let listingStart = now()
                try firewall.remove(network: "scale", attachment: attachment, addresses: nil)
                listingDeletes.append(now() - listingStart)
            }
        }
        let items = try host.listTable("inet", "nsbridge")
        let rules = objects("rule", in: items).count
        let map = objects("map", in: items).first { ($0["name"] as? String)?.hasSuffix("-src4") == true }
        let elements = (map?["elem"] as? [Any])?.count ?? 0
        return (median(adds), median(deletes), median(listingDeletes), rules, elements)
    }

    @Test("ADD and DEL cost and rule count do not grow with the attachments already present")
    func constantCost() throws {
        let small = try measure(existing: 1)
        let large = try measure(existing: 1000)
        let report = String(format: "nftables scaling: existing=1: ADD %.3f ms, DEL %.3f ms (without addresses %.3f ms), "
                            + "rules %d, elements %d; existing=1000: ADD %.3f ms, DEL %.3f ms (without addresses %.3f ms), "
                            + "rules %d, elements %d",
                            small.add * 1000, small.delete * 1000, small.listingDelete * 1000, small.rules, small.elements,
                            large.add * 1000, large.delete * 1000, large.listingDelete * 1000, large.rules, large.elements)
        print(report)
        #expect(small.rules == large.rules, "rule count independent of containers")
        #expect(small.elements == 1 && large.elements == 1000)
        // Generous bound: timing on a shared VM is noisy; an O(n) design would be far above it.
        #expect(large.add < max(small.add * 4, 0.005))
        #expect(large.delete < max(small.delete * 4, 0.005))
    }
}
