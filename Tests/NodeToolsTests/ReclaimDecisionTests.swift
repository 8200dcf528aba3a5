import CNIProtocol
import Testing

@testable import NodeTools

@Suite("What reclaim calls provably dead")
struct ReclaimDecisionTests {
    static func row(_ id: String, _ address: String, reservedAt: Int64?) -> AttachmentRow {
        AttachmentRow(containerID: id, ifname: "eth0", addresses: [IPAddress(address)!], reservedAt: reservedAt)
    }

    @Test("Grace period first, then the boot time, then the node's namespaces")
    func decisions() {
        var scans = 0
        let rows = [
            Self.row("fresh", "10.0.0.2", reservedAt: 990), Self.row("old-boot", "10.0.0.3", reservedAt: 100),
            Self.row("held", "10.0.0.4", reservedAt: 600), Self.row("gone", "10.0.0.5", reservedAt: 600),
            Self.row("unknown", "10.0.0.6", reservedAt: nil),
        ]
        let decisions = ReclaimCommand.judge(rows, network: "n", graceSeconds: 120, now: 1000, boot: 500) {
            scans += 1
            return [IPAddress("10.0.0.4")!]
        }
        #expect(decisions.map(\.reclaim) == [false, true, false, true, false])
        #expect(decisions[0].reason.contains("grace period"))
        #expect(decisions[1].reason.contains("before the current boot"))
        #expect(decisions[2].reason.contains("10.0.0.4 is still configured"))
        #expect(decisions[3].reason.contains("no network namespace holds"))
        #expect(scans == 2, "the namespaces are asked only when the clock cannot decide")
    }

    @Test("Without a readable boot time, only the namespace scan proves death")
    func noBootTime() {
        let decisions = ReclaimCommand.judge([Self.row("a", "10.0.0.2", reservedAt: 1)], network: "n", graceSeconds: 0,
                                             now: 1000, boot: nil) { [] }
        #expect(decisions.map(\.reclaim) == [true])
        #expect(decisions[0].reason.contains("no network namespace"))
    }
}
