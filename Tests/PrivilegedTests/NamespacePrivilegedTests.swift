import CNITestSupport
import Glibc
import LinuxSupport
import Testing

@Suite(
    "NetworkNamespace, Sysctl and ThrowawayNetworkNamespace against a real kernel",
    .serialized,
    .enabled(if: Privileges.canManageNetworkNamespaces, "\(Privileges.networkNamespaceRequirement)")
)
struct NamespacePrivilegedTests {
    static let prefix = "nstest"

    @Test("open reports a missing path as notFound and a non-namespace file as notANamespace")
    func openErrors() {
        #expect(throws: NamespaceError.notFound("/run/netns/nltest-does-not-exist")) {
            _ = try NetworkNamespace.open(path: "/run/netns/nltest-does-not-exist")
        }
        #expect(throws: NamespaceError.notANamespace("/etc/hostname")) {
            _ = try NetworkNamespace.open(path: "/etc/hostname")
        }
        #expect(throws: NamespaceError.notANamespace("/tmp")) {
            _ = try NetworkNamespace.open(path: "/tmp")
        }
        #expect(throws: NamespaceError.notANamespace("/proc/self/ns/mnt")) {
            _ = try NetworkNamespace.open(path: "/proc/self/ns/mnt")
        }
    }

    @Test("withEntered runs the body in the namespace and leaves the calling thread where it was")
    func withEnteredKeepsCallerNamespace() throws {
        let before = NetworkNamespace.currentInode()
        try withThrowawayNetworkNamespace(prefix: Self.prefix) { scratch in
            let inside = try scratch.namespace.withEntered { NetworkNamespace.currentInode() }
            #expect(inside == scratch.inode)
            #expect(inside != before)
            #expect(NetworkNamespace.currentInode() == before)
            let reopened = try NetworkNamespace.open(path: scratch.path)
            #expect(reopened.inode == scratch.inode)
        }
        #expect(NetworkNamespace.currentInode() == before)
        #expect(ThrowawayNetworkNamespace.leftovers(prefix: Self.prefix).isEmpty)
    }

    @Test("withEntered rethrows the body's error")
    func withEnteredRethrows() throws {
        struct Marker: Error {}
        let scratch = try NetworkNamespace.create()
        #expect(throws: Marker.self) { try scratch.withEntered { throw Marker() } }
    }

    @Test("a throwaway namespace is published under /run/netns and removed on close")
    func throwawayLifecycle() throws {
        let scratch = try ThrowawayNetworkNamespace(prefix: Self.prefix)
        let name = try #require(scratch.name)
        #expect(ThrowawayNetworkNamespace.leftovers(prefix: Self.prefix) == [name])
        let links = try NetlinkObservation.json(in: scratch, ["ip", "-j", "link", "show"])
        #expect(links.compactMap { $0["ifname"]?.stringValue } == ["lo"])
        scratch.close()
        #expect(ThrowawayNetworkNamespace.leftovers(prefix: Self.prefix).isEmpty)
        #expect(throws: NamespaceError.notFound(scratch.path)) { _ = try NetworkNamespace.open(path: scratch.path) }
    }

    @Test("a sysctl written inside a namespace changes only that namespace")
    func sysctlIsPerNamespace() throws {
        let sysctl = Sysctl()
        let hostValue = try sysctl.get("net/ipv4/conf/default/arp_notify")
        try withThrowawayNetworkNamespace(prefix: Self.prefix) { scratch in
            let newValue = hostValue == "1" ? "0" : "1"
            let seen = try scratch.run { () throws -> String in
                try sysctl.set("net/ipv4/conf/default/arp_notify", newValue)
                return try sysctl.get("net/ipv4/conf/default/arp_notify")
            }
            #expect(seen == newValue)
            #expect(try sysctl.get("net/ipv4/conf/default/arp_notify") == hostValue)
        }
        #expect(ThrowawayNetworkNamespace.leftovers(prefix: Self.prefix).isEmpty)
    }
}
