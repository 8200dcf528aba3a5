import BridgePlugin
import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// Every DEL case the spec and real runtimes produce, and ADD failures that must leave nothing.
@Suite(
    "nsbridge DEL and failed ADD against a real kernel",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct BridgePluginTeardownTests {
    enum DeleteCase: String, CaseIterable {
        case normal, repeated, emptyNetns, vanishedNetns, notANamespace, interfaceGone, noPrevResult
    }

    @Test("DEL succeeds and frees the veth, the address and masquerade state", arguments: DeleteCase.allCases)
    func delete(_ deleteCase: DeleteCase) throws {
        try withTestbed { bed in
            let config = bed.config(["ipMasq": true])
            let result = try bed.add(config)
            let c1 = try bed.container("c1")
            var netns: String? = c1.path
            var request = BridgeTestbed.with(prevResult: result, config)
            switch deleteCase {
            case .normal, .repeated: break
            case .emptyNetns: netns = ""
            case .vanishedNetns: netns = "/run/netns/nsbkt-never-existed"
            case .notANamespace:
                let file = bed.dataDirectory.appending("not-a-netns")
                _ = FileManager.default.createFile(atPath: file, contents: Data())
                netns = file
            case .interfaceGone: try bed.shell(c1, ["ip", "link", "del", "eth0"])
            case .noPrevResult: request = config
            }
            let attempts = deleteCase == .repeated ? 2 : 1
            for _ in 0..<attempts {
                let outcome = try bed.invoke("DEL", request, netns: netns)
                #expect(outcome.status == 0, "\(outcome)")
                #expect(outcome.stdout.isEmpty)
            }
            #expect(try bed.hostLinkNames().filter { $0.hasPrefix("veth") }.isEmpty)
            #expect(bed.reservations().isEmpty)
            let ruleset = try bed.shell(bed.host, ["nft", "list", "ruleset"])
            #expect(!ruleset.contains("10.66.0.2"), "masquerade element left: \(ruleset)")
        }
    }

    @Test("ADD fails when CNI_IFNAME already exists in the namespace, and changes nothing")
    func interfaceExists() throws {
        try withTestbed { bed in
            let c1 = try bed.container("c1")
            try bed.shell(c1, ["ip", "link", "add", "eth0", "type", "bridge"])
            let outcome = try bed.invoke("ADD", bed.config(), netns: c1.path)
            #expect(outcome.status == 1)
            #expect(outcome.json?["msg"]?.stringValue?.contains("eth0 already exists") == true)
            #expect(try bed.link("eth0", in: c1)?["linkinfo"]?["info_kind"] == "bridge")
            #expect(bed.reservations().isEmpty)
            #expect(try !bed.hostLinkNames().contains("nsbkt0"), "the bridge this ADD created is rolled back")
        }
    }

    @Test("ADD refuses a non-bridge link with the bridge's name")
    func bridgeNameTaken() throws {
        try withTestbed { bed in
            try bed.shell(bed.host, ["ip", "link", "add", "nsbkt0", "type", "veth", "peer", "name", "nsbkt0p"])
            let outcome = try bed.invoke("ADD", bed.config(), netns: bed.container("c1").path)
            #expect(outcome.status == 1)
            #expect(outcome.json?["code"]?.integerValue == 100)
            #expect(outcome.json?["msg"]?.stringValue?.contains("not a bridge") == true)
            #expect(bed.reservations().isEmpty)
            #expect(try bed.hostLinkNames().filter { $0.hasPrefix("veth") }.isEmpty)
        }
    }

    @Test("A conflicting bridge address fails without forceAddress and is replaced with it")
    func forceAddress() throws {
        try withTestbed { bed in
            try bed.shell(bed.host, ["ip", "link", "add", "nsbkt0", "type", "bridge"])
            try bed.shell(bed.host, ["ip", "addr", "add", "10.66.0.9/24", "dev", "nsbkt0"])
            let refused = try bed.invoke("ADD", bed.config(["isGateway": true]), netns: bed.container("c1").path)
            #expect(refused.status == 1)
            #expect(refused.json?["details"]?.stringValue?.contains("forceAddress") == true)
            #expect(bed.reservations().isEmpty)
            #expect(try bed.hostLinkNames().filter { $0.hasPrefix("veth") }.isEmpty)

            _ = try bed.add(bed.config(["isGateway": true, "forceAddress": true]), containerID: "c2")
            let addresses = try bed.ipJSON(in: bed.host, ["ip", "-j", "-4", "addr", "show", "dev", "nsbkt0"])
            let locals = addresses.first?["addr_info"]?.arrayValue?.compactMap { $0["local"]?.stringValue }
            #expect(locals == ["10.66.0.1"])
        }
    }

    @Test("32 concurrent ADDs into a new bridge get distinct addresses; 32 concurrent DELs leave no link")
    func concurrency() throws {
        try withTestbed { bed in
            let count = 32
            let paths = try (0..<count).map { try bed.container("p\($0)").path }
            let config = bed.config(["isGateway": true, "ipMasq": true]).serialized()
            let script = """
                for i in $(seq 0 \(count - 1)); do
                  CNI_COMMAND=$1 CNI_CONTAINERID=p$i CNI_IFNAME=eth0 CNI_NETNS=$(sed -n "$((i+1))p" "$2") CNI_PATH=/usr/lib/cni \
                    "$3" <"$4" >"$5/out.$i" 2>&1 & 
                done
                wait
                """
            let work = try TemporaryDirectory(prefix: "nsbkt-par")
            _ = FileManager.default.createFile(atPath: work.appending("paths"), contents: Data(paths.joined(separator: "\n").utf8))
            _ = FileManager.default.createFile(atPath: work.appending("config"), contents: Data(config.utf8))
            for command in ["ADD", "DEL"] {
                try bed.shell(bed.host, ["bash", "-c", script, "-", command, work.appending("paths"), bed.binary,
                                         work.appending("config"), work.path])
                if command == "ADD" {
                    let addresses = try (0..<count).map { index -> String in
                        let text = try String(contentsOfFile: work.appending("out.\(index)"), encoding: .utf8)
                        let result = try JSONValue(parsing: text)
                        return result["ips"]?.arrayValue?.first?["address"]?.stringValue ?? "failed: \(text)"
                    }
                    #expect(Set(addresses).count == count, "\(addresses)")
                    #expect(bed.reservations().count == count)
                }
            }
            #expect(try bed.hostLinkNames().filter { $0.hasPrefix("veth") }.isEmpty)
            #expect(bed.reservations().isEmpty)
            #expect(!(try bed.shell(bed.host, ["nft", "list", "ruleset"]).contains("10.66.0.")))
        }
    }
}
