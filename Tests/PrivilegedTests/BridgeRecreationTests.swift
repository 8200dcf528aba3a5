import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// Someone deletes the bridge under running containers. The next ADD re-creates it and must put
/// the earlier containers back on it, so they reach each other and the gateway again.
@Suite(
    "ADD after the bridge was deleted (real kernel)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct BridgeRecreationTests {
    @Test("earlier containers are re-attached and reachable after the next ADD re-creates the bridge")
    func nextAddReattachesEarlierContainers() throws {
        try withTestbed { bed in
            let config = bed.config(["isGateway": true, "hairpinMode": true])
            let first = try bed.add(config, containerID: "a")
            _ = try bed.add(config, containerID: "b")
            try bed.shell(bed.host, ["ip", "link", "del", "nsbkt0"])
            let check = try bed.invoke("CHECK", BridgeTestbed.with(prevResult: first, config), containerID: "a",
                                       netns: try bed.container("a").path)
            #expect(check.status != 0, "CHECK must report the missing bridge")

            _ = try bed.add(config, containerID: "c")

            let ports = try bed.ipJSON(in: bed.host, ["ip", "-j", "-d", "link", "show", "master", "nsbkt0"])
            #expect(ports.count == 3, "\(ports.map { $0["ifname"]?.stringValue ?? "?" })")
            #expect(ports.allSatisfy { $0["linkinfo"]?["info_slave_data"]?["hairpin"]?.boolValue == true })
            let bridgeMAC = try bed.link("nsbkt0", in: bed.host)?["address"]?.stringValue
            #expect(bridgeMAC == first["interfaces"]?.arrayValue?.first?["mac"]?.stringValue,
                    "the re-created bridge must keep its MAC, so earlier results stay valid")
            let recheck = try bed.invoke("CHECK", BridgeTestbed.with(prevResult: first, config), containerID: "a",
                                         netns: try bed.container("a").path)
            #expect(recheck.status == 0, "CHECK of an earlier container after the repair: \(recheck)")
            let address = first["ips"]?.arrayValue?.first?["address"]?.stringValue?.split(separator: "/").first.map(String.init)
            #expect(try bed.ping(from: "b", to: address ?? "none"))
            #expect(try bed.ping(from: "a", to: "10.66.0.1"))
            for id in ["a", "b", "c"] { try bed.invoke("DEL", config, containerID: id, netns: try bed.container(id).path) }
            #expect(bed.reservations().isEmpty)
        }
    }
}
