import BridgePlugin
import CNIProtocol
import CNITestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import NodeTools

@Suite("libcni's result cache as the runtime's record of an ADD")
struct RuntimeResultCacheTests {
    private let attachment = Attachment(containerID: "abc", ifName: "eth0")

    private func write(_ text: String, in directory: TemporaryDirectory) throws {
        mkdir(directory.appending("results"), 0o700)
        let file = try #require(fopen(directory.appending("results/mynet-abc-eth0"), "w"))
        fputs(text, file)
        fclose(file)
    }

    @Test("Reads the capability arguments and the MAC of the container's interface, not the bridge's")
    func readsRecord() throws {
        try withTemporaryDirectory { directory in
            try write("""
                {"kind":"cniCacheV1","containerId":"abc","ifName":"eth0","networkName":"mynet","config":"e30=",
                 "capabilityArgs":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]},
                 "result":{"cniVersion":"1.0.0","interfaces":[{"name":"cni0","mac":"02:00:00:00:00:01"},
                   {"name":"eth0","mac":"0A:58:0A:58:00:05","sandbox":"/run/netns/x"}]}}
                """, in: directory)
            let record = try #require(RuntimeResultCache(directory: directory.path).record(network: "mynet", attachment: attachment))
            #expect(record.containerMAC == "0a:58:0a:58:00:05")
            #expect(record.runtimeConfig?["portMappings"]?.arrayValue?.count == 1)
        }
    }

    @Test("No file, another kind or bad JSON: no record")
    func noRecord() throws {
        try withTemporaryDirectory { directory in
            let cache = RuntimeResultCache(directory: directory.path)
            #expect(cache.record(network: "mynet", attachment: attachment) == nil)
            try write(#"{"kind":"somethingElse","capabilityArgs":{}}"#, in: directory)
            #expect(cache.record(network: "mynet", attachment: attachment) == nil)
            try write("{not json", in: directory)
            #expect(cache.record(network: "mynet", attachment: attachment) == nil)
        }
    }
}
