import CNIProtocol
import Glibc
import IPAM
import LinuxSupport
import Testing

@Suite("IPAM errors say what the operator must fix")
struct IPAMErrorTests {
    @Test("a full, read-only or unwritable data directory is named as such, with the failing call in details",
          arguments: [(ENOSPC, "full"), (EROFS, "read-only"), (EACCES, "not writable"), (EIO, "could not be read or written")])
    func storeFailures(errno: Int32, words: String) {
        let error = IPAMError.store(SystemError("write /var/lib/cni/networks/n/.nsbridge/.reserving", errno: errno)).cniError
        #expect(error.code == .ioFailure)
        #expect(error.message.contains(words), "\(error.message)")
        #expect(error.details.hasPrefix("write /var/lib/cni/networks/n/.nsbridge/.reserving: "))
    }
}
