import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// `nft flush ruleset` (or a firewall reload) wipes nsbridge's masquerade state under running
/// containers. The next ADD on the network must give every earlier container its state back,
/// not only itself.
@Suite(
    "ADD after nft flush ruleset (real kernel)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct FirewallHealingTests {
    @Test("the next ADD restores the masquerade elements of the containers attached before the flush")
    func nextAddRestoresEarlierContainers() throws {
        try withTestbed { bed in
            let config = bed.config(["isGateway": true, "ipMasq": true])
            let results = try ["a", "b"].map { try bed.add(config, containerID: $0) }
            try bed.shell(bed.host, ["nft", "flush", "ruleset"])
            let check = try bed.invoke("CHECK", BridgeTestbed.with(prevResult: results[0], config), containerID: "a",
                                       netns: try bed.container("a").path)
            #expect(check.status != 0, "CHECK must report the flushed state")

            _ = try bed.add(config, containerID: "c")

            let ruleset = try bed.shell(bed.host, ["nft", "list", "table", "inet", "nsbridge"])
            for result in results {
                let address = result["ips"]?.arrayValue?.first?["address"]?.stringValue?.split(separator: "/").first
                #expect(ruleset.contains("\(address ?? "none") comment"), "no element for \(address ?? "none"):\n\(ruleset)")
            }
            for (id, result) in zip(["a", "b"], results) {
                let recheck = try bed.invoke("CHECK", BridgeTestbed.with(prevResult: result, config), containerID: id,
                                             netns: try bed.container(id).path)
                #expect(recheck.status == 0, "CHECK of \(id) after the repair: \(recheck)")
            }
            for id in ["a", "b", "c"] { try bed.invoke("DEL", config, containerID: id, netns: try bed.container(id).path) }
            #expect(bed.reservations().isEmpty)
            #expect(!(try bed.shell(bed.host, ["nft", "list", "ruleset"]).contains("10.66.0.")))
        }
    }
}
