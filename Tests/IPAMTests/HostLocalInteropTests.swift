#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol
import CNITestSupport
import IPAM
import LinuxSupport
import Testing

/// The reference plugin shipped by Debian's containernetworking-plugins.
let referenceHostLocal = "/usr/lib/cni/host-local"

/// Drives the reference `host-local` binary on a shared data directory.
struct ReferenceHostLocal {
    let dataDir: String
    let subnets: [String]

    var configuration: String {
        let sets = subnets.map { #"[{"subnet":"\#($0)"}]"# }.joined(separator: ",")
        return #"{"cniVersion":"1.0.0","name":"testnet","type":"bridge","ipam":{"type":"host-local","dataDir":"\#(dataDir)","ranges":[\#(sets)]}}"#
    }

    /// Runs one command; returns the exit status and stdout.
    func run(_ command: String, _ attachment: CNIProtocol.Attachment) throws -> (status: Int32, output: String) {
        let environment = ["CNI_COMMAND=\(command)", "CNI_CONTAINERID=\(attachment.containerID)", "CNI_NETNS=/var/run/netns/none",
                           "CNI_IFNAME=\(attachment.ifName)", "CNI_PATH=/usr/lib/cni", "PATH=/usr/bin:/bin"]
        let outcome = try ChildProcess.run(referenceHostLocal, arguments: [referenceHostLocal], environment: environment,
                                           input: Array(configuration.utf8))
        return (outcome.exitStatus, String(decoding: outcome.standardOutput, as: UTF8.self))
    }

    /// ADD; the addresses of the result.
    func add(_ attachment: CNIProtocol.Attachment) throws -> [IPAddress] {
        let (status, output) = try run("ADD", attachment)
        guard status == 0, let result = try? JSONValue(parsing: output), let ips = result["ips"]?.arrayValue else {
            throw CNIError(.internal, "host-local ADD failed", details: output)
        }
        return ips.compactMap { item -> IPAddress? in
            guard let text = item["address"]?.stringValue else { return nil }
            return IPNetwork(text)?.address
        }
    }
}

@Suite("Interop with the reference host-local on one data directory",
       .enabled(if: access(referenceHostLocal, X_OK) == 0, "needs \(referenceHostLocal) (apt install containernetworking-plugins)"))
struct HostLocalInteropTests {
    @Test("host-local sees our reservations as taken, refuses a duplicate, and frees ours on DEL")
    func referenceSeesOurs() throws {
        let temp = try TemporaryDirectory()
        let ours = try hostLocal(temp.path, extraRanges: #",[{"subnet":"fd00:22::/120"}]"#)
        let reference = ReferenceHostLocal(dataDir: temp.path, subnets: ["10.22.0.0/24", "fd00:22::/120"])
        let mine = try ours.allocate(for: attachment("ours")).ips.map(\.address.address)
        #expect(mine == [ip("10.22.0.2"), ip("fd00:22::2")])
        #expect(try reference.add(attachment("theirs")) == [ip("10.22.0.3"), ip("fd00:22::3")])
        let duplicate = try reference.run("ADD", attachment("ours"))
        #expect(duplicate.status != 0 && duplicate.output.contains("duplicate"), "\(duplicate.output)")
        #expect(try reference.run("CHECK", attachment("ours")).status == 0)
        #expect(try reference.run("DEL", attachment("ours")).status == 0)
        #expect(try ours.addresses(of: attachment("ours")).isEmpty)
        #expect(try ours.addresses(of: attachment("theirs")) == [ip("10.22.0.3"), ip("fd00:22::3")])
    }

    @Test("we see host-local's reservations as taken and free them on DEL")
    func weSeeTheirs() throws {
        let temp = try TemporaryDirectory()
        let ours = try hostLocal(temp.path)
        let reference = ReferenceHostLocal(dataDir: temp.path, subnets: ["10.22.0.0/24"])
        #expect(try reference.add(attachment("theirs")) == [ip("10.22.0.2")])
        #expect(try ours.allocate(for: attachment("ours")).ips.map(\.address.address) == [ip("10.22.0.3")])
        // A requested address host-local holds is refused, naming the holder.
        let requesting = HostLocalIPAM(configuration: {
            var configuration = ours.configuration
            configuration.requestedAddresses = [ip("10.22.0.2")]
            return configuration
        }())
        #expect(throws: IPAMError.self) { _ = try requesting.allocate(for: attachment("thief")) }
        try ours.check(attachment("theirs"), expected: [ip("10.22.0.2")])
        try ours.release(for: attachment("theirs"))
        #expect(try reference.run("CHECK", attachment("theirs")).status != 0)
        #expect(!exists(temp.appending("testnet/10.22.0.2")))
    }

    @Test("interleaved and concurrent allocations by both never share an address")
    func concurrent() throws {
        let temp = try TemporaryDirectory()
        let dataDir = temp.path
        runOnThreads(4) { index in
            let reference = ReferenceHostLocal(dataDir: dataDir, subnets: ["10.22.0.0/24"])
            guard let ours = try? hostLocal(dataDir) else { return }
            for round in 0..<10 {
                let who = attachment("w\(index)-\(round)")
                if index % 2 == 0 { _ = try? reference.add(who) } else { _ = try? ours.allocate(for: who) }
            }
        }
        let net = temp.appending("testnet")
        let reserved = names(net).filter { IPAddress($0) != nil }
        #expect(reserved.count == 40)
        #expect(Set(reserved.compactMap { fileText(net + "/" + $0) }).count == 40)
    }
}
