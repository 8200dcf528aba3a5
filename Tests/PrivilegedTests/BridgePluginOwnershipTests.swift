import BridgePlugin
import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// Who owns a host veth and a bridge, against a real kernel: the owner recorded in the alias,
/// and a failed ADD's bridge deletion racing successful ADDs.
@Suite(
    "nsbridge ownership of links against a real kernel",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct BridgePluginOwnershipTests {
    @Test("ADD records container ID and ifname in the host veth's alias")
    func aliasRecorded() throws {
        try withTestbed { bed in
            let result = try bed.add(bed.config(), containerID: "owner1")
            let hostVeth = try #require(result["interfaces"]?.arrayValue?[1]["name"]?.stringValue)
            #expect(try bed.link(hostVeth, in: bed.host)?["ifalias"]?.stringValue == "owner1@eth0")
        }
    }

    @Test("DEL leaves a host veth of its hashed name whose alias names another owner")
    func deleteLeavesForeignVeth() throws {
        try withTestbed { bed in
            let name = BridgeNaming.hostVethName(for: .init(containerID: "loser", ifName: "eth0"))
            try bed.shell(bed.host, ["ip", "link", "add", name, "type", "veth", "peer", "name", "nsbkt-peer"])
            try bed.shell(bed.host, ["ip", "link", "set", "dev", name, "alias", "winner@eth0"])
            let outcome = try bed.invoke("DEL", bed.config(), containerID: "loser", netns: "")
            #expect(outcome.status == 0, "\(outcome)")
            #expect(try bed.link(name, in: bed.host) != nil, "another attachment's veth was deleted")
        }
    }

    @Test("A failed ADD never deletes a bridge that concurrent successful ADDs are joining")
    func concurrentAddsWithFailures() throws {
        try withTestbed { bed in
            let failures = try runAddDeleteLoopsBesideFailingADDs(bed, loops: 6, iterations: 15)
            #expect(failures.isEmpty, "successful ADDs failed: \(failures)")
            #expect(try bed.hostLinkNames().filter { $0.hasPrefix("veth") }.isEmpty)
            #expect(bed.reservations().isEmpty)
        }
    }

    /// Runs `loops` loops of ADD then DEL, each in its own namespace, while two loops keep running
    /// ADDs into a missing namespace: those fail after ensuring the bridge, so whenever one of
    /// them created it, its rollback tries to delete it. Returns the output of every failed ADD
    /// of the first kind.
    private func runAddDeleteLoopsBesideFailingADDs(_ bed: BridgeTestbed, loops: Int, iterations: Int) throws -> [String] {
        let scratch = try TemporaryDirectory(prefix: "nsbkt-race")
        try Data(bed.config().serialized().utf8).write(to: URL(fileURLWithPath: scratch.appending("config")))
        let plugin = "CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni nsenter --net=\(bed.host.path) \(bed.binary) < config"
        var script = "cd \(scratch.path); "
        for label in ["a", "b"] {
            script += "(n=0; while [ ! -e stop ]; do n=$((n+1)); CNI_COMMAND=ADD CNI_CONTAINERID=bad\(label)$n "
                + "CNI_NETNS=/run/netns/nsbkt-missing \(plugin) >/dev/null 2>&1; done) & "
        }
        script += "pids=; "
        for loop in 0..<loops {
            let netns = try bed.container("g\(loop)").path
            let env = "CNI_CONTAINERID=g\(loop) CNI_NETNS=\(netns)"
            script += "(for n in $(seq \(iterations)); do CNI_COMMAND=ADD \(env) \(plugin) > out.\(loop) 2>&1 || cat out.\(loop) >> failed.\(loop); "
                + "CNI_COMMAND=DEL \(env) \(plugin) >/dev/null 2>&1; done) & pids=\"$pids $!\"; "
        }
        script += "wait $pids; touch stop; wait; cat failed.* 2>/dev/null; true"
        let outcome = try PluginProcess.run("/bin/bash", arguments: ["-c", script],
                                            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], timeoutSeconds: 120)
        return outcome.stdoutText.split(separator: "\n").map(String.init)
    }
}
