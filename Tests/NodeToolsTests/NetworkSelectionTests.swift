import CNITestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import NodeTools

private func write(_ text: String, to path: String) {
    let file = fopen(path, "w")!
    fputs(text, file)
    fclose(file)
}

@Suite("Reading networks from --conf and --conf-dir")
struct NetworkSelectionTests {
    @Test("A conflist yields its nsbridge entry with the list's name and cniVersion; other plugins are skipped")
    func conflist() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("10-net.conflist")
            write(#"{"cniVersion":"1.0.0","name":"net","plugins":[{"type":"nsbridge","bridge":"br9"},{"type":"portmap"}]}"#, to: path)
            let networks = try NetworkSelection.networks(ToolOptions(command: .ls, conf: path))
            #expect(networks.map(\.name) == ["net"])
            #expect(networks[0].configuration.bridgeName == "br9")
            #expect(networks[0].request.configuration.cniVersionText == "1.0.0")
        }
    }

    @Test("A single netconf works; a file without nsbridge is an error naming it")
    func single() throws {
        try withTemporaryDirectory { directory in
            let ours = directory.appending("a.conf"), theirs = directory.appending("b.conf")
            write(#"{"cniVersion":"0.4.0","name":"solo","type":"nsbridge"}"#, to: ours)
            write(#"{"cniVersion":"0.4.0","name":"other","type":"bridge"}"#, to: theirs)
            let names = try NetworkSelection.networks(ToolOptions(command: .ls, conf: ours)).map(\.name)
            #expect(names == ["solo"])
            #expect { try NetworkSelection.networks(ToolOptions(command: .ls, conf: theirs)) } throws: { "\($0)".contains(theirs) }
        }
    }

    @Test("--conf-dir reads *.conf, *.conflist and *.json in name order, as libcni does")
    func directory() throws {
        try withTemporaryDirectory { directory in
            write(#"{"cniVersion":"1.0.0","name":"second","type":"nsbridge"}"#, to: directory.appending("20-b.conf"))
            write(#"{"cniVersion":"1.0.0","name":"first","plugins":[{"type":"nsbridge"}]}"#, to: directory.appending("10-a.conflist"))
            write("not json", to: directory.appending("15-broken.conf"))
            write(#"{"cniVersion":"1.0.0","name":"ignored","type":"nsbridge"}"#, to: directory.appending("30-c.txt"))
            let networks = try NetworkSelection.networks(ToolOptions(command: .ls, confDir: directory.path))
            #expect(networks.map(\.name) == ["first", "second"])
            let order = ConfigurationOrderCheck.run(directory: directory.path, networks: networks)
            #expect(order.isEmpty, "our file sorts first")
        }
    }

    @Test("doctor warns when another network's file sorts first")
    func order() throws {
        try withTemporaryDirectory { directory in
            write(#"{"cniVersion":"1.0.0","name":"ref","type":"bridge"}"#, to: directory.appending("05-ref.conf"))
            write(#"{"cniVersion":"1.0.0","name":"ours","type":"nsbridge"}"#, to: directory.appending("10-ours.conf"))
            let networks = try NetworkSelection.networks(ToolOptions(command: .doctor, confDir: directory.path))
            let findings = ConfigurationOrderCheck.run(directory: directory.path, networks: networks)
            #expect(findings.count == 1 && findings[0].severity == .warning && findings[0].message.contains("05-ref.conf"))
        }
    }
}
