#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol
import CNITestSupport
import IPAM
import LinuxSupport
import Testing

@Suite("File lease store (host-local layout)")
struct FileLeaseStoreTests {
    @Test("ADD writes host-local's exact bytes and names, with 0700/0600 permissions")
    func exactBytes() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path, extraRanges: #",[{"subnet":"fd00:22::/64"}]"#)
        let result = try ipam.allocate(for: attachment("0123abcd", "eth0"))
        #expect(result.ips.map(\.address.description) == ["10.22.0.2/24", "fd00:22::2/64"])
        let net = temp.appending("testnet")
        #expect(fileBytes(net + "/10.22.0.2") == Array("0123abcd\r\neth0".utf8))
        #expect(fileBytes(net + "/fd00:22::2") == Array("0123abcd\r\neth0".utf8))
        #expect(fileText(net + "/last_reserved_ip.0") == "10.22.0.2")
        #expect(fileText(net + "/last_reserved_ip.1") == "fd00:22::2")
        #expect(mode(net) == 0o700)
        for name in ["10.22.0.2", "fd00:22::2", "last_reserved_ip.0", "lock"] { #expect(mode(net + "/" + name) == 0o600, "\(name)") }
        #expect(names(net) == [".nsbridge", "10.22.0.2", "fd00:22::2", "last_reserved_ip.0", "last_reserved_ip.1", "lock"])
        // Only the index and the high-water marks remain in the scratch directory: no temporary
        // file survives an ADD.
        #expect(names(net + "/.nsbridge") == ["0123abcd@eth0", "high_water_ip.0", "high_water_ip.1"])
    }

    @Test("DEL frees by (container ID, ifname), is idempotent, and leaves other interfaces alone")
    func release() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path)
        _ = try ipam.allocate(for: attachment("c1", "eth0"))
        _ = try ipam.allocate(for: attachment("c1", "eth1"))
        try ipam.release(for: attachment("c1", "eth0"))
        try ipam.release(for: attachment("c1", "eth0"))
        let net = temp.appending("testnet")
        #expect(!exists(net + "/10.22.0.2") && exists(net + "/10.22.0.3"))
        #expect(try ipam.addresses(of: attachment("c1", "eth1")) == [ip("10.22.0.3")])
        #expect(names(net + "/.nsbridge") == ["c1@eth1", "high_water_ip.0"])
    }

    @Test("legacy files holding only the container ID are found and released")
    func legacy() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path)
        _ = try ipam.addresses(of: attachment("x"))  // creates the directory
        try writeFile(temp.appending("testnet/10.22.0.9"), "oldcontainer")
        #expect(try ipam.addresses(of: attachment("oldcontainer", "eth0")) == [ip("10.22.0.9")])
        try ipam.check(attachment("oldcontainer", "eth0"), expected: [])
        try ipam.release(for: attachment("oldcontainer", "eth0"))
        #expect(!exists(temp.appending("testnet/10.22.0.9")))
    }

    @Test("reservations written by another tool (no index) are found by walking; a stale index falls back too")
    func noIndex() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path)
        _ = try ipam.allocate(for: attachment("mine"))
        try writeFile(temp.appending("testnet/10.22.0.50"), "other\r\neth0")
        #expect(try ipam.addresses(of: attachment("other")) == [ip("10.22.0.50")])
        // Another tool frees ours and gives the same container a new address: the index is stale.
        _ = unlink(temp.appending("testnet/10.22.0.2"))
        try writeFile(temp.appending("testnet/10.22.0.60"), "mine\r\neth0")
        #expect(try ipam.addresses(of: attachment("mine")) == [ip("10.22.0.60")])
        try ipam.release(for: attachment("mine"))
        #expect(!exists(temp.appending("testnet/10.22.0.60")))
    }

    static let recordContents: [(String, LeaseOwner?)] = [
        ("abc\r\neth0", .attachment(Attachment(containerID: "abc", ifName: "eth0"))),
        (" abc\r\neth0\n", .attachment(Attachment(containerID: "abc", ifName: "eth0"))),
        ("abc\r\n", .containerOnly("abc")),
        ("abc", .containerOnly("abc")),
        ("abc\neth0", .containerOnly("abc\neth0")),
        (" \r\n", .unknown),
        ("", .unknown),
    ]

    @Test("a reservation's owner is read as host-local writes it: trimmed, split at the first CRLF",
          arguments: recordContents)
    func ownerOfRecord(_ contents: String, _ owner: LeaseOwner?) throws {
        let temp = try TemporaryDirectory()
        let store = try FileLeaseStore(dataDirectory: temp.path, network: "testnet")
        try writeFile(temp.appending("testnet/10.22.0.7"), contents)
        #expect(try store.owner(of: ip("10.22.0.7")) == owner)
    }

    static let hostileNames = ["../escape", "..", ".", "a/b", "/abs", ".hidden", "-dash", "", "x\u{0}y", "sp ace"]

    @Test("hostile network names are refused before any path is built", arguments: hostileNames)
    func hostileNetworkName(_ name: String) throws {
        let temp = try TemporaryDirectory()
        let data = temp.appending("data")
        #expect(throws: IPAMError.self) { _ = try FileLeaseStore(dataDirectory: data, network: name) }
        #expect(names(temp.path).allSatisfy { $0 == "data" })
        #expect(names(data).isEmpty)
    }

    @Test("hostile container IDs and interface names are refused (code 4)")
    func hostileAttachment() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path)
        for bad in [attachment("../../x"), attachment("a/b"), attachment(".."), attachment("ok", "../e"),
                    attachment("ok", "a/b"), attachment("ok", ".."), attachment("ok", ""), attachment("ok", "waytoolonginterface")] {
            do {
                _ = try ipam.allocate(for: bad)
                Issue.record("allocated for \(bad)")
            } catch let error as IPAMError {
                #expect(error.cniError.code == .invalidEnvironmentVariables)
            }
            #expect(throws: IPAMError.self) { try ipam.release(for: bad) }
        }
        #expect(names(temp.appending("testnet")) == [".nsbridge", "lock"])
        #expect(names(temp.path) == ["testnet"])
    }

    @Test("an empty reservation file (a writer killed before writing) is reclaimed by ADD")
    func emptyFileReclaimed() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path)
        try ipam.release(for: attachment("x"))
        try writeFile(temp.appending("testnet/10.22.0.2"), "")
        #expect(try ipam.allocate(for: attachment("a")).ips.first?.address.address == ip("10.22.0.2"))
        #expect(fileText(temp.appending("testnet/10.22.0.2")) == "a\r\neth0")
    }

    @Test("a leftover scratch file still linked to a reservation is never rewritten in place")
    func leftoverLinkedScratch() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path)
        _ = try ipam.allocate(for: attachment("a"))
        let net = temp.appending("testnet")
        // What a kill between link(2) and unlink(2) leaves: the scratch name is a second name of a reservation.
        #expect(link(net + "/10.22.0.2", net + "/.nsbridge/.reserving") == 0)
        _ = try ipam.allocate(for: attachment("b"))
        #expect(fileText(net + "/10.22.0.2") == "a\r\neth0")
        #expect(fileText(net + "/10.22.0.3") == "b\r\neth0")
    }

    @Test("a kill at any step leaves a whole reservation or none, and a fresh store recovers", arguments: FileLeaseStore.Step.allCases)
    func crashAtStep(_ step: FileLeaseStore.Step) throws {
        let temp = try TemporaryDirectory()
        let live = temp.appending("live")
        let snapshot = temp.appending("snapshot")
        let store = try FileLeaseStore(dataDirectory: live, network: "testnet")
        store.stepObserver = { seen in
            if seen == step { try? copyTree(live, to: snapshot) }
        }
        let allocator = IPAllocator(rangeSets: [try rangeSet("10.22.0.0/24")])
        _ = try allocator.allocate(for: attachment("crashed"), requesting: [], in: store)
        #expect(exists(snapshot), "step \(step) was never reached")

        let net = snapshot + "/testnet"
        for name in names(net) where IPAddress(name) != nil {
            #expect(fileText(net + "/" + name) == "crashed\r\neth0", "partial reservation \(name) after \(step)")
        }
        let ipam = try hostLocal(snapshot)
        // The runtime's DEL after the failed ADD frees whatever was taken.
        try ipam.release(for: attachment("crashed"))
        #expect(names(net).filter { IPAddress($0) != nil }.isEmpty)
        // New allocations work, and GC leaves only the fixed files and an empty scratch directory.
        _ = try ipam.allocate(for: attachment("next"))
        try ipam.garbageCollect(valid: [attachment("next")], isAttachmentAlive: { _ in false })
        #expect(names(net + "/.nsbridge").filter { !$0.hasPrefix("high_water_ip.") } == ["next@eth0"])
    }

    @Test("the hints are rewritten in place, and a torn hint or an empty index is only a hint")
    func hintsInPlace() throws {
        let temp = try TemporaryDirectory()
        let ipam = try hostLocal(temp.path)
        let net = temp.appending("testnet")
        _ = try ipam.allocate(for: attachment("a"))
        let last = net + "/last_reserved_ip.0", mark = net + "/.nsbridge/high_water_ip.0"
        let inodes = (inodeNumber(last), inodeNumber(mark))
        _ = try ipam.allocate(for: attachment("b"))
        #expect(fileText(last) == "10.22.0.3" && fileText(mark) == "10.22.0.3")
        #expect((inodeNumber(last), inodeNumber(mark)) == inodes, "no new inode per ADD")
        #expect(names(net + "/.nsbridge") == ["a@eth0", "b@eth0", "high_water_ip.0"])

        // What a kill inside a shortening rewrite can leave: a prefix of the old address. An
        // index created but not yet written is empty.
        try writeFile(last, "10.22.0.")
        try writeFile(mark, "10.22.0.")
        try writeFile(net + "/.nsbridge/c@eth0", "")
        let result = try ipam.allocate(for: attachment("c"))
        #expect(result.ips.map(\.address.description) == ["10.22.0.4/24"], "the walk skips every taken address")
        #expect(fileText(net + "/.nsbridge/c@eth0") == "10.22.0.4")
        try ipam.release(for: attachment("c"))
        #expect(!exists(net + "/10.22.0.4") && !exists(net + "/.nsbridge/c@eth0"))
    }

    @Test("threads with separate descriptors contend on the flock and never share an address")
    func race() throws {
        let temp = try TemporaryDirectory()
        let dataDir = temp.path
        let threads = 8
        let perThread = 25
        runOnThreads(threads) { index in
            guard let ipam = try? hostLocal(dataDir) else { return }
            for round in 0..<perThread {
                _ = try? ipam.allocate(for: attachment("t\(index)-\(round)"))
            }
        }
        let net = temp.appending("testnet")
        let reserved = names(net).filter { IPAddress($0) != nil }
        #expect(reserved.count == threads * perThread)
        let owners = Set(reserved.compactMap { fileText(net + "/" + $0) })
        #expect(owners.count == threads * perThread, "every address has a distinct owner")
    }
}
