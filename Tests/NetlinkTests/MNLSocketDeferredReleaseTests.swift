import CNetlinkShims
import Glibc
import LinuxSupport
import NetlinkSocket
import Testing

/// DEL closes the netfilter socket on its main thread and leaves the kernel's release of it,
/// which waits for a grace period after deletions, to another thread.
@Suite("MNLSocket.closeDeferringRelease: closed at once, released by the returned closure")
struct MNLSocketDeferredReleaseTests {
    /// The descriptors of this process that point at `link` (`socket:[inode]`).
    static func descriptors(ofSocket link: String) -> [String] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var found: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if Self.target(of: "/proc/self/fd/\(name)") == link { found.append(name) }
        }
        return found
    }

    /// `socket:[inode]` of the netlink socket bound to `portID`, from `/proc/self/net/netlink`.
    static func socketLink(portID: UInt32) -> String? {
        guard let file = fopen("/proc/self/net/netlink", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), file) != nil {
            let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 10, fields[1] == "0", fields[2] == "\(portID)" { return "socket:[\(fields[9].split(separator: "\n")[0])]" }
        }
        return nil
    }

    static func target(of path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test("The socket refuses requests at once; it stays open in the kernel until the closure runs")
    func releaseFollowsClosure() throws {
        let socket = try MNLSocket(bus: NETLINK_ROUTE, receiveCapacity: 4096)
        let link = try #require(Self.socketLink(portID: socket.portID))
        #expect(Self.descriptors(ofSocket: link).count == 1)
        let release = socket.closeDeferringRelease()
        #expect(throws: SystemError("send netlink request", errno: EBADF)) { try socket.send(MNLSocketTests.linkDump) }
        #expect(Self.descriptors(ofSocket: link).count == 1, "a duplicate keeps the socket open")
        release()
        #expect(Self.descriptors(ofSocket: link).isEmpty, "the closure released it")
        socket.close()
        socket.closeDeferringRelease()()
    }
}
