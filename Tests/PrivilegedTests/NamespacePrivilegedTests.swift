import CNITestSupport
import Glibc
import LinuxSupport
import Netlink
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
        // Without mount rights (e.g. user-namespace root) the namespace is reachable by fd path only.
        if let name = scratch.name {
            #expect(ThrowawayNetworkNamespace.leftovers(prefix: Self.prefix) == [name])
        }
        let links = try NetlinkObservation.json(in: scratch, ["ip", "-j", "link", "show"])
        #expect(links.compactMap { $0["ifname"]?.stringValue } == ["lo"])
        scratch.close()
        #expect(ThrowawayNetworkNamespace.leftovers(prefix: Self.prefix).isEmpty)
        if scratch.name != nil {
            #expect(throws: NamespaceError.notFound(scratch.path)) { _ = try NetworkNamespace.open(path: scratch.path) }
        }
    }

    @Test("cost of entering a namespace and of opening a netlink socket inside one")
    func namespaceCosts() throws {
        let scratch = try NetworkNamespace.create()
        func averageMicroseconds(_ rounds: Int, _ body: () throws -> Void) rethrows -> Int {
            var start = timespec()
            var end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            for _ in 0..<rounds { try body() }
            clock_gettime(CLOCK_MONOTONIC, &end)
            return ((end.tv_sec - start.tv_sec) * 1_000_000 + (end.tv_nsec - start.tv_nsec) / 1000) / rounds
        }
        let enter = try averageMicroseconds(50) { try scratch.withEntered {} }
        let socket = try averageMicroseconds(50) { _ = try RouteNetlink(in: scratch) }
        let local = try averageMicroseconds(50) { _ = try RouteNetlink() }
        print("withEntered {}: \(enter) µs; RouteNetlink(in:): \(socket) µs; RouteNetlink(): \(local) µs")
        #expect(enter < 50_000 && socket < 50_000)
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
