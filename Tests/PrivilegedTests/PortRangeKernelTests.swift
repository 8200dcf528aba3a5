import CNIProtocol
import CNITestSupport
import Testing

@Suite(
    "Port mappings: a container publishing a range of hundreds of ports (real binary and kernel)",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct PortRangeKernelTests {
    /// `podman run -p 20000-20399:20000-20399`: 400 mappings, one batch of over 400 operations
    /// whose acks overflow the default netlink receive buffer (about 270 acks).
    static let range = (0..<400).map { goMapping(20000 + $0, 20000 + $0) }

    @Test("ADD of 400 mappings in one batch answers (no lost ack, no hang), CHECK passes, DEL removes every element")
    func fourHundredPorts() throws {
        try withTestbed { bed in
            let world = try World(bed)
            let configuration = world.config(mappings: Self.range)
            let result = try bed.add(configuration, containerID: "a")
            let elements = try world.mappingElements().split(separator: "\n")
            #expect(elements.count == 400 * 2 + 2, "one element per mapping and family, one hairpin element per family")
            let check = try bed.invoke("CHECK", BridgeTestbed.with(prevResult: result, configuration), containerID: "a",
                                       netns: try bed.container("a").path)
            #expect(check.status == 0, "\(check)")
            let deleted = try bed.invoke("DEL", configuration, containerID: "a", netns: try bed.container("a").path)
            #expect(deleted.status == 0, "\(deleted)")
            #expect(try world.mappingElements().isEmpty)
        }
    }
}
