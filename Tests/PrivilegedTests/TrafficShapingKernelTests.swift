import BridgePlugin
import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// The `bandwidth` capability against a real kernel: qdiscs read back with `tc -j`, real TCP
/// throughput between container namespaces measured with iperf3, and no ifb left behind.
@Suite(
    "Traffic shaping against a real kernel (throwaway namespaces)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct TrafficShapingKernelTests {
    /// Rates a shared 2-core machine sustains easily, different per direction so a swap shows.
    static let ingressRate: Int64 = 40_000_000
    static let egressRate: Int64 = 24_000_000

    /// containerd's CRI spelling (Go field names) for ingress, the documented one for egress.
    static func shapedConfig(_ bed: BridgeTestbed, ingressRate: Int64 = ingressRate) -> JSONValue {
        bed.config([
            "capabilities": ["bandwidth": true],
            "runtimeConfig": ["bandwidth": [
                "IngressRate": .integer(ingressRate), "IngressBurst": 400_000,
                "egressRate": .integer(egressRate), "egressBurst": 400_000,
            ]],
        ])
    }

    @Test("ADD shapes both directions to within 10% of the rates; an unshaped neighbour is not slowed; DEL leaves no ifb")
    func throughput() throws {
        try withTestbed { bed in
            let shaped = try bed.add(Self.shapedConfig(bed), containerID: "c1")
            _ = try bed.add(bed.config(), containerID: "c2")
            _ = try bed.add(bed.config(), containerID: "c3")
            let towards = try Throughput.measure(bed, from: "c2", to: "c1", address: "10.66.0.2")
            let from = try Throughput.measure(bed, from: "c1", to: "c2", address: "10.66.0.3")
            let neighbours = try Throughput.measure(bed, from: "c2", to: "c3", address: "10.66.0.4", seconds: 2)
            #expect(abs(towards / Double(Self.ingressRate) - 1) <= 0.10, "towards the container: \(towards) bit/s")
            #expect(abs(from / Double(Self.egressRate) - 1) <= 0.10, "from the container: \(from) bit/s")
            #expect(neighbours > 3 * Double(Self.ingressRate), "unshaped neighbours: \(neighbours) bit/s")

            let ifb = BridgeNaming.ifbName(for: Attachment(containerID: "c1", ifName: "eth0"))
            #expect(shaped["interfaces"]?.arrayValue?.last?["name"]?.stringValue == ifb, "the result lists the ifb")
            for (id, result) in [("c1", shaped)] {
                let delete = BridgeTestbed.with(prevResult: result, Self.shapedConfig(bed))
                #expect(try bed.invoke("DEL", delete, containerID: id, netns: bed.container(id).path).status == 0)
            }
            #expect(try bed.hostLinkNames().filter { $0.hasPrefix("ifb") }.isEmpty, "DEL leaves no ifb")
        }
    }

    @Test("tc -j qdisc show reads back the configured rate and burst; ingress redirects to the ifb; CHECK agrees")
    func readBack() throws {
        try withTestbed { bed in
            let config = Self.shapedConfig(bed)
            let result = try bed.add(config, containerID: "c1")
            let attachment = Attachment(containerID: "c1", ifName: "eth0")
            let veth = BridgeNaming.hostVethName(for: attachment)
            let ifb = BridgeNaming.ifbName(for: attachment)

            let towards = try #require(try Self.rootQdisc(bed, veth))
            #expect(towards["kind"] == "tbf")
            #expect(towards["options"]?["rate"]?.integerValue == Int(Self.ingressRate / 8))
            // tc prints the burst it derives back from the kernel's buffer time, to a few bytes.
            #expect(abs((towards["options"]?["burst"]?.integerValue ?? 0) - 50_000) <= 50)
            let from = try #require(try Self.rootQdisc(bed, ifb))
            #expect(from["options"]?["rate"]?.integerValue == Int(Self.egressRate / 8))
            #expect(abs((from["options"]?["burst"]?.integerValue ?? 0) - 50_000) <= 50)
            let filters = try bed.shell(bed.host, ["tc", "filter", "show", "dev", veth, "ingress"])
            #expect(filters.contains("mirred") && filters.contains("Redirect to device \(ifb)"), "\(filters)")

            let checked = BridgeTestbed.with(prevResult: result, config)
            let check = try bed.invoke("CHECK", checked, netns: bed.container("c1").path)
            #expect(check.status == 0, "\(check.stdoutText)")
            let otherRate = BridgeTestbed.with(prevResult: result, Self.shapedConfig(bed, ingressRate: 20_000_000))
            let mismatch = try bed.invoke("CHECK", otherRate, netns: bed.container("c1").path)
            #expect(mismatch.status == 1 && mismatch.stdoutText.contains("ingress shaping"), "\(mismatch)")

            #expect(try bed.invoke("DEL", config, netns: "").status == 0, "DEL with an empty CNI_NETNS")
            #expect(try bed.hostLinkNames() == ["lo", "nsbkt0"], "no veth and no ifb remain")
        }
    }

    @Test("GC deletes the ifb of an attachment whose veth is gone, and keeps a live one's")
    func garbageCollection() throws {
        try withTestbed { bed in
            let config = Self.shapedConfig(bed)
            _ = try bed.add(config, containerID: "dead")
            _ = try bed.add(config, containerID: "live")
            let dead = Attachment(containerID: "dead", ifName: "eth0")
            let live = Attachment(containerID: "live", ifName: "eth0")
            // The container's namespace went away without a DEL: its veth died with it.
            try bed.shell(bed.host, ["ip", "link", "del", BridgeNaming.hostVethName(for: dead)])
            var gc = config.objectValue ?? [:]
            gc["cni.dev/valid-attachments"] = []
            #expect(try bed.invoke("GC", .object(gc), netns: nil).status == 0)
            let names = try bed.hostLinkNames()
            #expect(!names.contains(BridgeNaming.ifbName(for: dead)))
            #expect(names.contains(BridgeNaming.ifbName(for: live)), "a live attachment keeps its ifb: \(names)")
            #expect(try bed.invoke("DEL", config, containerID: "live", netns: bed.container("live").path).status == 0)
            #expect(try bed.hostLinkNames() == ["lo", "nsbkt0"])
        }
    }

    /// The root qdisc of a host-namespace device, from `tc -j qdisc show`.
    static func rootQdisc(_ bed: BridgeTestbed, _ device: String) throws -> JSONValue? {
        let text = try bed.shell(bed.host, ["tc", "-j", "qdisc", "show", "dev", device, "root"])
        return try JSONValue(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines)).arrayValue?.first
    }
}

/// Bulk TCP throughput between two container namespaces, with iperf3.
enum Throughput {
    /// Goodput in bits per second of a `seconds`-long transfer, the first second left out (slow
    /// start and the initial burst). Server and client run from one shell, which kills the
    /// server whatever happens; `timeout` bounds each client. Both use SIGKILL: the test runner
    /// blocks SIGTERM, and its children inherit the blocked mask. iperf3 3.12 with `--json`
    /// exits 0 even when it could not connect (the error is in the report), so an attempt
    /// counts only when its report has `sum_received`; the server is not `--one-off`, so an
    /// attempt that connected and then failed does not take the server down for the rest.
    static func measure(_ bed: BridgeTestbed, from sender: String, to receiver: String, address: String,
                        seconds: Int = 4) throws -> Double {
        let script = """
            nsenter --net="$1" iperf3 --server --port 5201 >/dev/null 2>&1 & server=$!
            errors=$(mktemp)
            for attempt in $(seq 50); do
                report=$(nsenter --net="$2" timeout --signal=KILL 30 iperf3 --client "$3" --port 5201 --connect-timeout 1000 \\
                    --time \(seconds + 1) --omit 1 --json 2>"$errors")
                case "$report" in *'"sum_received"'*) break ;; esac
                printf '%s\\n' "$report" | grep -F '"error"' >>"$errors"
                report=""; sleep 0.1
            done
            { kill -KILL $server; wait $server; } 2>/dev/null
            if [ -z "$report" ]; then echo "iperf3 client failed: $(cat "$errors")"; rm -f "$errors"; exit 1; fi
            rm -f "$errors"; printf '%s' "$report"
            """
        let report = try bed.shell(bed.host, [
            "bash", "-c", script, "measure", try bed.container(receiver).path, try bed.container(sender).path, address,
        ])
        switch try JSONValue(parsing: report)["end"]?["sum_received"]?["bits_per_second"] {
        case .double(let bits)?: return bits
        case .integer(let bits)?: return Double(bits)
        default: throw TestbedFailure("iperf3 report without sum_received: \(report.prefix(400))")
        }
    }
}
