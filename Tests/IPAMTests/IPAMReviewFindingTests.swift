import CNIProtocol
import CNITestSupport
import IPAM
import Synchronization
import Testing

/// Issue 14's findings in IPAM, each pinned by a test that failed before its fix.
@Suite("Review findings: IPAM")
struct IPAMReviewFindingTests {
    @Test("A relative dataDir is refused with code 7 naming the key", arguments: ["state", "./state", "../x"])
    func relativeDataDirectoryRefused(dataDir: String) throws {
        let error = try #require(throws: IPAMError.self) {
            _ = try ipamConfiguration(#"{"type":"host-local","subnet":"10.22.0.0/24","dataDir":"\#(dataDir)"}"#)
        }
        #expect(error.cniError.code == .invalidNetworkConfig)
        #expect(String(describing: error.cniError).contains("dataDir"))
    }

    @Test("Concurrent STATUS calls on one network never report a false code 50")
    func concurrentStatus() throws {
        let temp = try TemporaryDirectory()
        let failures = Mutex<[String]>([])
        let path = temp.path
        runOnThreads(4) { _ in
            for _ in 0..<150 {
                do {
                    try hostLocal(path).status()
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(names(temp.appending("testnet/.nsbridge")).isEmpty, "no scratch file is left after STATUS")
    }
}

@Suite("IPAM route integers are range-checked, not clamped")
struct IPAMRouteRangeTests {
    @Test("ipam.routes members beyond the kernel's fields are code 7", arguments: [("table", "4294967296"), ("scope", "300"), ("priority", "-1")])
    func outOfRange(key: String, value: String) throws {
        let error = try #require(throws: IPAMError.self) {
            _ = try ipamConfiguration(#"{"type":"host-local","subnet":"10.22.0.0/24","routes":[{"dst":"0.0.0.0/0","\#(key)":\#(value)}]}"#)
        }
        #expect(error.cniError.code == .invalidNetworkConfig)
        #expect(String(describing: error.cniError).contains("ipam.routes[0].\(key)"))
    }
}
