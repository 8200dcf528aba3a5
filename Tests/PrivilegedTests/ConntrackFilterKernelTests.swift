import CNIProtocol
import CNITestSupport
import Testing

@testable import Netlink

@Suite(
    "Conntrack: the kernel filters the listing of a mapped port's flows",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct ConntrackFilterKernelTests {
    @Test("A listing for udp 5353 returns only flows to 5353 (CTA_FILTER), although flows to 5354 exist too")
    func kernelSideFilter() throws {
        try withTestbed { bed in
            let world = try World(bed)
            _ = try bed.add(world.config(mappings: [goMapping(5353, 53, "udp")]), containerID: "a")
            let server = try PortEchoServer(in: try bed.container("a"), tag: "A", port: 53)
            defer { server.stop() }
            #expect(world.probe(from: world.outside, "udp", World.hostV4, 5353, sourcePort: 40000) == "A \(World.outsideV4)")
            // Nothing listens on 5354: the datagram still leaves an (unreplied) conntrack entry.
            _ = probePort(from: world.outside, "udp", World.hostV4, 5354, sourcePort: 40001)
            let (mapped, other) = try bed.host.run {
                let conntrack = try ConntrackNetlink()
                return (try conntrack.listEntries(family: .v4, matching: .init(protocolNumber: 17, destinationPort: 5353)),
                        try conntrack.listEntries(family: .v4, matching: .init(protocolNumber: 17, destinationPort: 5354)))
            }
            #expect(!mapped.isEmpty && !other.isEmpty, "both flows are tracked: \(mapped) \(other)")
            #expect(mapped.allSatisfy { $0.protocolNumber == 17 && $0.destinationPort == 5353 }, "\(mapped)")
            #expect(other.allSatisfy { $0.destinationPort == 5354 }, "\(other)")
            let elsewhere = try bed.host.run {
                try ConntrackNetlink().listEntries(
                    family: .v4, matching: .init(protocolNumber: 17, destinationPort: 5353, destination: IPAddress(World.otherHostV4)))
            }
            #expect(elsewhere.isEmpty, "no flow went to the other host address: \(elsewhere)")
        }
    }
}
