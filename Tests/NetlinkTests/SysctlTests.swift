import Glibc
import LinuxSupport
import Testing

@Suite("Sysctl under an injected root")
struct SysctlTests {
    private func withTemporaryRoot(_ body: (String) throws -> Void) throws {
        var template = Array("/tmp/nsbridge-sysctl-XXXXXX".utf8CString)
        let root = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        defer {
            _ = unlink(root + "/net/ipv4/ip_forward")
            _ = rmdir(root + "/net/ipv4")
            _ = rmdir(root + "/net")
            _ = rmdir(root)
        }
        #expect(mkdir(root + "/net", 0o755) == 0 && mkdir(root + "/net/ipv4", 0o755) == 0)
        let fd = open(root + "/net/ipv4/ip_forward", O_CREAT | O_WRONLY, 0o644)
        #expect(fd >= 0 && write(fd, "0\n", 2) == 2)
        close(fd)
        try body(root)
    }

    @Test("get trims the trailing newline and set replaces the value")
    func roundTrip() throws {
        try withTemporaryRoot { root in
            let sysctl = Sysctl(root: root)
            #expect(try sysctl.get("net/ipv4/ip_forward") == "0")
            try sysctl.set("net/ipv4/ip_forward", "1")
            #expect(try sysctl.get("net/ipv4/ip_forward") == "1")
            #expect(sysctl.path(of: "net/ipv4/ip_forward") == root + "/net/ipv4/ip_forward")
        }
    }

    @Test("a missing key is a SystemError with ENOENT naming the file")
    func missingKey() throws {
        try withTemporaryRoot { root in
            let error = #expect(throws: SystemError.self) { try Sysctl(root: root).set("net/ipv6/nothing", "1") }
            #expect(error?.errno == ENOENT)
            #expect(error?.operation.contains("net/ipv6/nothing") == true)
        }
    }
}
