import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// A bridge with all 1,023 ports taken: ADD fails with a message naming the limit, and leaves
/// nothing behind (issue #15: 4,000 containers on a node need several networks).
@Suite(
    "A full bridge (throwaway namespaces)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct BridgePortLimitTests {
    @Test("ADD onto a bridge with 1,023 ports: code 104 naming the limit and another network; no reservation, veth or address left")
    func fullBridge() throws {
        try withTestbed { bed in
            let config = bed.config()
            let first = try bed.add(config, containerID: "c1")
            // Fill the remaining 1,022 port numbers with veth pairs of our own, in one ip process.
            // They go with the throwaway host namespace, in one batch (deleting them one by one
            // would wait for an RCU grace period each).
            let script = (1...1022).map { "link add nsbfill\($0) master nsbkt0 type veth peer name nsbfill\($0)p\n" }.joined()
            try bed.shell(bed.host, ["sh", "-c", "printf '%s' \"$0\" | ip -batch -", script])
            let reservations = try FileManager.default.subpathsOfDirectory(atPath: bed.dataDirectory.path).sorted()

            let outcome = try bed.invoke("ADD", config, containerID: "c2", netns: try bed.container("c2").path)
            #expect(outcome.status == 1)
            #expect(outcome.json?["code"]?.integerValue == 104, "\(outcome)")
            let message = outcome.json?["msg"]?.stringValue ?? ""
            #expect(message.contains("nsbkt0 is full") && message.contains("1023"), "\(outcome)")
            #expect(outcome.json?["details"]?.stringValue?.contains("another network") == true, "\(outcome)")
            #expect(try FileManager.default.subpathsOfDirectory(atPath: bed.dataDirectory.path).sorted() == reservations)
            #expect(try bed.link("eth0", in: bed.container("c2")) == nil)
            #expect(try bed.invoke("DEL", BridgeTestbed.with(prevResult: first, config), netns: try bed.container("c1").path).status == 0)
        }
    }
}
