import CNIProtocol
import Testing

@Suite("Network configuration decoding")
struct NetworkConfigurationTests {
    static func decode(_ text: String) throws(CNIError) -> NetworkConfiguration {
        try NetworkConfiguration(parsing: Array(text.utf8))
    }

    static func error(_ text: String) -> CNIError? {
        do {
            _ = try decode(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("Every supported version is accepted and echoed as sent", arguments: CNIVersion.supported)
    func supportedVersions(version: CNIVersion) throws {
        let configuration = try Self.decode(#"{"cniVersion":"\#(version)","name":"n","type":"nsbridge"}"#)
        #expect(configuration.cniVersion == version)
        #expect(configuration.cniVersionText == version.description)
    }

    @Test("A missing, null or empty cniVersion means 0.1.0", arguments: [
        #"{"name":"n"}"#, #"{"name":"n","cniVersion":null}"#, #"{"name":"n","cniVersion":""}"#,
    ])
    func missingVersion(text: String) throws {
        let configuration = try Self.decode(text)
        #expect(configuration.cniVersion == .v0_1_0)
        #expect(configuration.cniVersionText == "0.1.0")
    }

    @Test("Versions not spelled exactly as a supported one are code 1", arguments: [
        "0.5.0", "1.2.0", "2.0.0", "1.0", "01.0.0", "v1.0.0", "1.0.0-rc1", "abc",
    ])
    func unsupportedVersion(text: String) {
        let error = Self.error(#"{"cniVersion":"\#(text)","name":"n"}"#)
        #expect(error?.code == .incompatibleCNIVersion)
        #expect(error?.message == "incompatible CNI versions")
        #expect(error?.details.contains("\"\(text)\"") == true)
        #expect(error?.details.contains("0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0") == true)
    }

    @Test("Malformed input is code 6", arguments: ["", "{", "[]", "\"x\"", #"{"cniVersion":1.0,"name":"n"}"#])
    func malformed(text: String) {
        #expect(Self.error(text)?.code == .decodingFailure)
    }

    @Test("Network names are validated separately, code 7", arguments: [
        ("net-1.a_b", true), ("", false), ("-net", false), ("a/b", false), ("a b", false), ("néT", false),
    ])
    func names(name: String, valid: Bool) throws {
        let configuration = try Self.decode(#"{"cniVersion":"1.0.0","name":"\#(name)"}"#)
        do {
            try configuration.validateName()
            #expect(valid)
        } catch {
            #expect(!valid)
            #expect(error.code == .invalidNetworkConfig)
        }
    }

    @Test("Unknown and reserved keys survive untouched")
    func unknownKeys() throws {
        let text = #"""
        {"cniVersion":"1.1.0","name":"n","type":"nsbridge","bridge":"br9","vendor.example/x":{"deep":[1,2]},
         "capabilities":{"mac":true},"runtimeConfig":{"mac":"0a:58:00:00:00:01","portMappings":[]},
         "args":{"cni":{"ips":["10.0.0.9"]}},"cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"}],
         "ipam":{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"}]]},
         "dns":{"nameservers":["10.0.0.1"],"search":["example.org"]}}
        """#
        let configuration = try Self.decode(text)
        #expect(configuration.raw["bridge"] == "br9")
        #expect(configuration.raw["vendor.example/x"] == ["deep": [1, 2]])
        #expect(configuration.raw["capabilities"] == ["mac": true])
        #expect(configuration.runtimeConfig["mac"] == "0a:58:00:00:00:01")
        #expect(configuration.args["cni"]?["ips"] == ["10.0.0.9"])
        #expect(configuration.validAttachments == [Attachment(containerID: "c1", ifName: "eth0")])
        #expect(configuration.ipam?["type"] == "host-local")
        #expect(configuration.dns == DNS(nameservers: ["10.0.0.1"], search: ["example.org"]))
        #expect(configuration.prevResult == nil)
    }

    @Test("The legacy GC key is read, and a missing key differs from an empty list")
    func attachments() throws {
        let legacy = try Self.decode(#"{"cniVersion":"1.1.0","name":"n","cni.dev/attachments":[{"containerID":"a","ifname":"e"}]}"#)
        #expect(legacy.validAttachments == [Attachment(containerID: "a", ifName: "e")])
        #expect(try Self.decode(#"{"cniVersion":"1.1.0","name":"n"}"#).validAttachments == nil)
        #expect(try Self.decode(#"{"cniVersion":"1.1.0","name":"n","cni.dev/valid-attachments":[]}"#).validAttachments == [])
    }

    @Test("prevResult without its own cniVersion is read in the configuration's version")
    func prevResultInConfigVersion() throws {
        let old = try Self.decode(#"{"cniVersion":"0.2.0","name":"n","prevResult":{"ip4":{"ip":"10.1.0.5/16","gateway":"10.1.0.1"}}}"#)
        #expect(old.prevResult?.ips.first?.address == IPNetwork("10.1.0.5/16"))
        #expect(old.prevResult?.ips.first?.gateway == IPAddress("10.1.0.1"))
        let new = try Self.decode(#"{"cniVersion":"1.0.0","name":"n","prevResult":{"ips":[{"address":"10.1.0.5/16"}]}}"#)
        #expect(new.prevResult?.ips.count == 1)
        #expect(new.prevResultJSON?["ips"] != nil)
    }

    @Test("prevResult in another version than the configuration is read in its own")
    func prevResultOwnVersion() throws {
        let text = #"""
        {"cniVersion":"1.1.0","name":"n","prevResult":{"cniVersion":"0.4.0",
         "ips":[{"version":"4","address":"10.1.0.5/16","interface":0}],"interfaces":[{"name":"eth0"}]}}
        """#
        let configuration = try Self.decode(text)
        #expect(configuration.prevResult?.ips == [.init(address: IPNetwork("10.1.0.5/16")!, interface: 0)])
        #expect(configuration.prevResult?.interfaces == [.init(name: "eth0")])
    }

    @Test("prevResult in every version's shape parses into the model", arguments: CNIVersion.supported)
    func prevResultEveryVersion(version: CNIVersion) throws {
        let previous = try CNIResultTests.full.json(for: version, versionText: version.description)
        let configuration = try NetworkConfiguration(object: ["cniVersion": "1.1.0", "name": "n", "prevResult": previous])
        let parsed = try #require(configuration.prevResult)
        #expect(try parsed.json(for: version, versionText: version.description) == previous)
        #expect(parsed.ips.first?.address == IPNetwork("10.22.0.5/16"))
        #expect(parsed.dns == CNIResultTests.full.dns)
    }

    @Test("A malformed prevResult is code 7 naming the member", arguments: [
        (#"[]"#, "\"result\" must be an object, not array []"),
        (#"{"ips":[{"address":"10.1.0.5"}]}"#, "\"ips[0].address\" \"10.1.0.5\" is not a CIDR"),
        (#"{"ips":[{"address":"10.1.0.5/16","gateway":"x"}]}"#, "\"ips[0].gateway\" \"x\" is not an IP address"),
        (#"{"routes":[{"gw":"10.0.0.1"}]}"#, "\"routes[0].dst\" is missing"),
        (#"{"interfaces":[{"name":"eth0","mtu":"big"}]}"#, "\"interfaces[0].mtu\" must be an integer, not string \"big\""),
        (#"{"cniVersion":"7.0.0"}"#, "unsupported result version \"7.0.0\""),
    ])
    func malformedPrevResult(prevResult: String, detail: String) {
        let error = Self.error(#"{"cniVersion":"1.1.0","name":"n","prevResult":\#(prevResult)}"#)
        #expect(error?.code == .invalidNetworkConfig)
        #expect(error?.message == "invalid prevResult")
        #expect(error?.details.contains(detail) == true, "\(error?.details ?? "")")
    }
}
