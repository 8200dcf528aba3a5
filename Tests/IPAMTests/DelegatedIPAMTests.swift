#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol
import CNITestSupport
import IPAM
import Testing

@Suite("Delegated IPAM plugin")
struct DelegatedIPAMTests {
    /// Installs an executable shell script `name` in `directory` that records its environment and
    /// stdin next to itself, then runs `body`.
    func install(_ name: String, in directory: TemporaryDirectory, body: String) throws {
        let script = """
            #!/bin/sh
            env | grep '^CNI_' | sort > "\(directory.path)/$CNI_COMMAND.env"
            cat > "\(directory.path)/$CNI_COMMAND.stdin"
            \(body)
            """
        try writeFile(directory.appending(name), script, mode: 0o755)
    }

    func request(_ directory: TemporaryDirectory, type: String = "fake-ipam", command: CNICommand = .add) throws -> PluginRequest {
        try makeRequest(networkJSON(ipam: #"{"type":"\#(type)","anything":1}"#), command: command, containerID: "cid1",
                        ifName: "eth3", arguments: "IgnoreUnknown=1;IP=10.9.0.9", searchPath: ["/nonexistent", directory.path])
    }

    @Test("ADD runs the plugin from CNI_PATH with our CNI_* variables and stdin unchanged, and parses its result")
    func add() throws {
        let temp = try TemporaryDirectory()
        try install("fake-ipam", in: temp, body: #"""
            echo '{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.9.0.9/24","gateway":"10.9.0.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["10.9.0.53"]}}'
            """#)
        let request = try request(temp)
        let ipam = try DelegatedIPAM(request: request, environment: ["PATH=/usr/bin:/bin", "CNI_COMMAND=STALE"])
        let result = try ipam.allocate(for: request.attachment)
        #expect(result.ips == [CNIResult.IPConfiguration(address: IPNetwork("10.9.0.9/24")!, gateway: ip("10.9.0.1"))])
        #expect(result.routes == [CNIResult.Route(destination: IPNetwork("0.0.0.0/0")!)])
        #expect(result.dns.nameservers == ["10.9.0.53"])
        #expect(fileText(temp.appending("ADD.env")) == """
            CNI_ARGS=IgnoreUnknown=1;IP=10.9.0.9
            CNI_COMMAND=ADD
            CNI_CONTAINERID=cid1
            CNI_IFNAME=eth3
            CNI_NETNS=/var/run/netns/x
            CNI_PATH=/nonexistent:\(temp.path)

            """)
        #expect(fileBytes(temp.appending("ADD.stdin")) == request.stdin)
    }

    @Test("0.2.0 results (ip4/ip6) are understood")
    func legacyResult() throws {
        let temp = try TemporaryDirectory()
        try install("fake-ipam", in: temp, body: #"echo '{"cniVersion":"0.2.0","ip4":{"ip":"10.9.0.9/24","gateway":"10.9.0.1","routes":[{"dst":"10.0.0.0/8"}]}}'"#)
        let request = try request(temp)
        let result = try DelegatedIPAM(request: request).allocate(for: request.attachment)
        #expect(result.ips.map(\.address.description) == ["10.9.0.9/24"])
        #expect(result.routes.map(\.destination.description) == ["10.0.0.0/8"])
    }

    @Test("an error object from the plugin passes through as the same CNI error")
    func errorPassThrough() throws {
        let temp = try TemporaryDirectory()
        try install("fake-ipam", in: temp, body: #"echo '{"cniVersion":"1.0.0","code":11,"msg":"pool busy","details":"retry"}'; exit 1"#)
        let request = try request(temp)
        #expect(throws: CNIError(.tryAgainLater, "pool busy", details: "retry")) {
            _ = try DelegatedIPAM(request: request).allocate(for: request.attachment)
        }
    }

    @Test("a failure without an error object is code 999 with the exit status")
    func plainFailure() throws {
        let temp = try TemporaryDirectory()
        try install("fake-ipam", in: temp, body: "echo oops; exit 3")
        let request = try request(temp)
        do {
            try DelegatedIPAM(request: request).release(for: request.attachment)
            Issue.record("no error")
        } catch let error as CNIError {
            #expect(error.code == .internal && error.message.contains("exit status 3") && error.details.contains("oops"))
        }
    }

    @Test("DEL, CHECK, STATUS and GC are forwarded; STATUS and GC carry no attachment variables")
    func forwarding() throws {
        let temp = try TemporaryDirectory()
        try install("fake-ipam", in: temp, body: "exit 0")
        let request = try request(temp)
        let ipam = try DelegatedIPAM(request: request, environment: [])
        try ipam.release(for: request.attachment)
        try ipam.check(request.attachment, expected: [])
        try ipam.status()
        try ipam.garbageCollect(valid: [], isAttachmentAlive: { _ in true })
        #expect(fileText(temp.appending("DEL.env"))?.contains("CNI_CONTAINERID=cid1") == true)
        #expect(fileText(temp.appending("CHECK.env"))?.contains("CNI_COMMAND=CHECK") == true)
        #expect(fileText(temp.appending("STATUS.env")) == "CNI_COMMAND=STATUS\nCNI_PATH=/nonexistent:\(temp.path)\n")
        #expect(fileText(temp.appending("GC.env")) == "CNI_COMMAND=GC\nCNI_PATH=/nonexistent:\(temp.path)\n")
        #expect(fileBytes(temp.appending("GC.stdin")) == request.stdin)
    }

    @Test("a missing plugin is named with the directories searched")
    func missing() throws {
        let temp = try TemporaryDirectory()
        let request = try request(temp, type: "no-such-ipam")
        do {
            _ = try DelegatedIPAM(request: request).allocate(for: request.attachment)
            Issue.record("no error")
        } catch let error as IPAMError {
            #expect(error.description.contains("no-such-ipam") && error.description.contains("/nonexistent, \(temp.path)"))
        }
    }

    @Test("a type that is a path is refused (CVE-2021-20206)", arguments: ["../fake-ipam", "/bin/sh", "..", "a/b"])
    func pathType(_ type: String) throws {
        let temp = try TemporaryDirectory()
        #expect(throws: IPAMError.self) { _ = try DelegatedIPAM(request: request(temp, type: type)) }
    }

    @Test("a plugin that exits without reading a large stdin does not kill us with SIGPIPE")
    func unreadStdin() throws {
        let temp = try TemporaryDirectory()
        try writeFile(temp.appending("fake-ipam"), "#!/bin/sh\nexit 0\n", mode: 0o755)
        let padding = String(repeating: "x", count: 1 << 20)
        var request = try makeRequest(networkJSON(ipam: #"{"type":"fake-ipam","pad":"\#(padding)"}"#), searchPath: [temp.path])
        request.command = .delete
        try DelegatedIPAM(request: request).release(for: request.attachment)
    }
}
