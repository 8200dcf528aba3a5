import CNIProtocol
import CNITestSupport
import Foundation
import Testing

/// Several ADDs that find the bridge missing race to create it. Whichever wins, every result
/// must describe the bridge as it stays: a bridge whose MAC is pinned only after creation can be
/// recorded by a concurrent ADD with a MAC it later drops, and that container's CHECK then fails
/// for ever. Before the fix this failed about one CHECK in twelve.
@Suite(
    "Parallel ADDs onto a missing bridge (real kernel)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct BridgeCreationRaceTests {
    static let rounds = 8
    static let parallel = 8

    @Test("every container's CHECK passes after 8 parallel ADDs created the bridge, round after round")
    func parallelAddsAgreeOnTheBridgeMAC() throws {
        try withTestbed { bed in
            let config = bed.config(["isGateway": true])
            let work = try TemporaryDirectory(prefix: "nsbkt-race")
            let paths = try (0..<Self.parallel).map { try bed.container("r\($0)").path }
            try (paths.joined(separator: "\n") + "\n").write(toFile: work.appending("paths"), atomically: true, encoding: .utf8)
            try config.serialized().write(toFile: work.appending("config"), atomically: true, encoding: .utf8)
            for round in 0..<Self.rounds {
                try addInParallel(bed, work: work)
                var macs: Set<String> = []
                for index in 0..<Self.parallel {
                    let result = try JSONValue(parsing: try String(contentsOfFile: work.appending("out.\(index)"), encoding: .utf8))
                    macs.insert(result["interfaces"]?.arrayValue?.first?["mac"]?.stringValue ?? "none")
                    let check = try bed.invoke("CHECK", BridgeTestbed.with(prevResult: result, config), containerID: "r\(index)",
                                               netns: paths[index])
                    #expect(check.status == 0, "round \(round), r\(index): \(check)")
                    try bed.invoke("DEL", config, containerID: "r\(index)", netns: paths[index])
                }
                #expect(macs.count == 1, "round \(round): results disagree on the bridge MAC: \(macs)")
                try bed.shell(bed.host, ["ip", "link", "del", "nsbkt0"])
            }
            #expect(bed.reservations().isEmpty)
        }
    }

    private func addInParallel(_ bed: BridgeTestbed, work: TemporaryDirectory) throws {
        let script = """
            i=0
            while read -r netns; do
              CNI_COMMAND=ADD CNI_CONTAINERID=r$i CNI_IFNAME=eth0 CNI_NETNS=$netns CNI_PATH=/usr/lib/cni \
                "$1" <"$2/config" >"$2/out.$i" 2>&1 &
              i=$((i+1))
            done <"$2/paths"
            wait
            """
        try bed.shell(bed.host, ["bash", "-c", script, "-", bed.binary, work.path])
    }
}
