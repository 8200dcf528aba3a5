import CNetlinkShims
import Glibc
import LinuxSupport
import NetlinkSocket
import Testing

/// DEL closes its netfilter socket and leaves the kernel's release of it, which waits for a
/// grace period after a commit, to a lingering child; the veth's deletion is sent from one too.
/// The child must keep nothing else: a lock, a pipe of the runtime's, another socket.
@Suite("MNLSocket and LingeringChild: closed here at once, released by a child that keeps nothing else")
struct MNLSocketLingeringTests {
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

    /// Polls until `condition` holds, for at most `seconds`.
    static func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Double(time(nil)) + seconds + 1
        while Double(time(nil)) < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    @Test("closeAfterExit: no descriptor here, the socket alive in the child, released once the child gives up waiting")
    func releasedByChild() throws {
        let socket = try MNLSocket(bus: NETLINK_ROUTE, receiveCapacity: 4096)
        let portID = socket.portID
        let link = try #require(Self.socketLink(portID: portID))
        socket.closeAfterExit()
        #expect(throws: SystemError("send netlink request", errno: EBADF)) { try socket.send(MNLSocketTests.linkDump) }
        #expect(Self.descriptors(ofSocket: link).isEmpty, "closed in this process at once")
        #expect(Self.socketLink(portID: portID) == link, "the child holds it open")
        // This process does not exit, so the child stops waiting after its limit.
        let limit = Double(LingeringChild.lingerLimitMilliseconds) / 1000
        #expect(Self.eventually(within: limit + 2) { Self.socketLink(portID: portID) == nil }, "released by the child")
        socket.closeAfterExit()
    }

    @Test("closeAfterExit(gracePeriods:): the child waits that many RCU grace periods after its wait for this process, then releases")
    func releasedAfterGracePeriods() throws {
        // The netfilter transport asks for 2; 25 makes the wait measurable: each is a
        // synchronize_rcu() in the kernel (several milliseconds on this VM; 100 ms is a floor of 4 ms each).
        let socket = try MNLSocket(bus: NETLINK_ROUTE, receiveCapacity: 4096)
        let portID = socket.portID
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        socket.closeAfterExit(gracePeriods: 25)
        let limit = Double(LingeringChild.lingerLimitMilliseconds) / 1000
        #expect(Self.eventually(within: limit + 3) { Self.socketLink(portID: portID) == nil }, "released by the child")
        var end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &end)
        let elapsed = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
        #expect(elapsed >= limit + 0.1, "released \(elapsed) s after the hand-over: the grace periods came after the \(limit) s wait")
    }

    @Test("The child closes every descriptor it was not given: a pipe's reader sees end-of-file when this process closes its end")
    func childKeepsNothingElse() throws {
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let socket = try MNLSocket(bus: NETLINK_ROUTE, receiveCapacity: 4096)
        socket.closeAfterExit()
        close(ends[1])
        var watch = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&watch, 1, 1000) == 1 && watch.revents & Int16(POLLHUP) != 0, "no copy of the write end is left in the child")
    }

    @Test("sendFromLingeringChild: the child's reply arrives through the pipe; this process's copy is closed")
    func requestFromChild() throws {
        let socket = try MNLSocket(bus: NETLINK_ROUTE, receiveCapacity: 4096)
        let link = try #require(Self.socketLink(portID: socket.portID))
        // RTM_GETLINK of index 1 (loopback), not a dump: one RTM_NEWLINK back.
        var request: [UInt8] = [32, 0, 0, 0, 18, 0, 0x01, 0x00, 7, 0, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 16)
        request[20] = 1
        let reply = try socket.sendFromLingeringChild(request)
        #expect(Self.descriptors(ofSocket: link).isEmpty)
        let bytes = try reply.read()
        #expect(bytes.count >= 32)
        #expect(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: UInt16.self) } == 16, "RTM_NEWLINK")
        #expect(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self) } == 7, "the request's sequence")
    }
}
