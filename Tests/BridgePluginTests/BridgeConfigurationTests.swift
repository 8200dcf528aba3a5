import BridgePlugin
import CNIProtocol
import Testing

@Suite("Bridge configuration keys")
struct BridgeConfigurationTests {
    @Test("Defaults match the reference bridge plugin")
    func defaults() throws {
        let configuration = try BridgeConfiguration(makeRequest(.add, [:]))
        #expect(configuration.bridgeName == "cni0")
        #expect(!configuration.isGateway && !configuration.ipMasq && configuration.preserveDefaultVlan)
        #expect(configuration.mtu == nil && configuration.vlan == 0 && configuration.requestedMAC == nil)
        #expect(!configuration.multicastSnooping, "nsbridge's own default: snooping costs every ADD and DEL")
        #expect(try BridgeConfiguration(makeRequest(.add, ["multicastSnooping": true])).multicastSnooping)
    }

    @Test("isDefaultGateway implies isGateway")
    func defaultGatewayImpliesGateway() throws {
        let configuration = try BridgeConfiguration(makeRequest(.add, ["isDefaultGateway": true, "ipam": ipamConfig]))
        #expect(configuration.isGateway)
    }

    @Test("Trunks accept single IDs and ranges")
    func trunks() throws {
        let trunk: JSONValue = [["id": 5], ["minID": 100, "maxID": 110]]
        let configuration = try BridgeConfiguration(makeRequest(.add, ["vlanTrunk": trunk]))
        #expect(configuration.vlanTrunk == [5...5, 100...110])
        #expect(configuration.usesVLANs)
    }

    static let invalidCases: [([String: JSONValue], String)] = [
        (["hairpinMode": true, "promiscMode": true], "hairpinMode"),
        (["vlan": 4095], "vlan"),
        (["vlan": "ten"], "vlan"),
        (["vlanTrunk": [["minID": 10, "maxID": 5]]], "vlanTrunk"),
        (["vlanTrunk": [["id": 0]]], "id"),
        (["vlan": 7, "vlanTrunk": [["id": 7]]], "vlanTrunk"),
        (["disableContainerInterface": true, "ipam": ipamConfig], "disableContainerInterface"),
        (["ipMasq": true], "ipMasq"),
        (["isGateway": true], "isGateway"),
        (["bridge": "a/b"], "bridge"),
        (["bridge": "abcdefghijklmnop"], "bridge"),
        (["mtu": -1], "mtu"),
        (["multicastSnooping": "yes"], "multicastSnooping"),
        (["ipMasqExclude": ["10.0.0.0"]], "ipMasqExclude"),
        (["runtimeConfig": ["mac": "01:00:5e:00:00:01"]], "runtimeConfig.mac"),
        (["args": ["cni": ["mac": "zz"]]], "args.cni.mac"),
    ]

    @Test("Invalid values and combinations are code 7 naming the keys", arguments: invalidCases)
    func invalid(members: [String: JSONValue], key: String) throws {
        let error = try #require(throws: CNIError.self) { try BridgeConfiguration(makeRequest(.add, members)) }
        #expect(error.code == .invalidNetworkConfig)
        #expect(error.message.contains(key))
    }

    @Test("Host veth names are deterministic, 15 bytes, and differ per attachment")
    func hostVethNames() {
        let first = BridgeNaming.hostVethName(for: Attachment(containerID: "abc", ifName: "eth0"))
        #expect(first == BridgeNaming.hostVethName(for: Attachment(containerID: "abc", ifName: "eth0")))
        #expect(first.utf8.count == 15 && first.hasPrefix("veth"))
        #expect(first != BridgeNaming.hostVethName(for: Attachment(containerID: "abc", ifName: "eth1")))
        #expect(first != BridgeNaming.hostVethName(for: Attachment(containerID: "abd", ifName: "eth0")))
    }
}
