import BridgePlugin
import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// ADDs killed with SIGKILL at random instants, as a runtime timeout or an OOM kill would, must
/// leave the address store consistent: whole reservations or none, and every address freed by
/// the DEL that the runtime sends afterwards.
@Suite(
    "nsbridge killed mid-ADD (real kernel, real SIGKILL)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct BridgePluginCrashTests {
    @Test("Killed ADDs leave only complete reservations, and DEL frees every address and link")
    func killedAdds() throws {
        try withTestbed { bed in
            let config = bed.config(["isGateway": true, "ipMasq": true])
            let attempts = 40
            var killed = 0
            for index in 0..<attempts {
                // 0.5–6 ms: spread over start-up, the kernel work and the IPAM write.
                let delay = String(format: "%.4f", Double(500 + (index * 137) % 5500) / 1_000_000)
                let outcome = try PluginProcess.run(
                    "/usr/bin/nsenter",
                    arguments: ["--net=\(bed.host.path)", "timeout", "-s", "KILL", delay, bed.binary],
                    environment: ["CNI_COMMAND": "ADD", "CNI_CONTAINERID": "k\(index)", "CNI_IFNAME": "eth0",
                                  "CNI_NETNS": try bed.container("k\(index)").path, "CNI_PATH": "/usr/lib/cni",
                                  "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
                    stdin: Array(config.serialized().utf8), timeoutSeconds: 30)
                if outcome.status == 137 { killed += 1 }  // timeout(1) reports a KILLed child as 128+9
            }
            #expect(killed > 0, "some ADDs must really have been killed")
            let directory = bed.dataDirectory.appending("kt")
            for name in bed.reservations() {
                let content = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
                #expect(content.range(of: #"^k[0-9]+\r\neth0$"#, options: .regularExpression) != nil,
                        "reservation \(name) is incomplete: \(content.debugDescription)")
            }
            for index in 0..<attempts {
                let outcome = try bed.invoke("DEL", config, containerID: "k\(index)", netns: "")
                #expect(outcome.status == 0, "\(outcome)")
            }
            #expect(bed.reservations().isEmpty, "every address is free again")
            #expect(try bed.hostLinkNames().filter { $0.hasPrefix("veth") }.isEmpty)
            #expect(!(try bed.shell(bed.host, ["nft", "list", "ruleset"]).contains("10.66.0.")))
            // The pool is whole again: a new container gets an address.
            _ = try bed.add(config, containerID: "after")
        }
    }
}
