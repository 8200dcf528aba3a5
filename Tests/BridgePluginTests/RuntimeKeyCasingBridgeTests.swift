import BridgePlugin
import CNIProtocol
import Testing

/// The bridge keys and MAC requests in Go's spelling: the reference plugin decodes its NetConf
/// with encoding/json, so a conflist written `"IsGateway"` or `"MTU"` works there, and a runtime
/// may send `RuntimeConfig.MAC`. nsbridge reads them the same way.
@Suite("Bridge keys in Go's spelling")
struct RuntimeKeyCasingBridgeTests {
    @Test("Bridge, IsGateway, IPMasq, HairpinMode, MTU, IPMasqExclude, MacSpoofChk")
    func bridgeKeys() throws {
        let configuration = try BridgeConfiguration(makeRequest(.add, [
            "Bridge": "kbr0", "IsGateway": true, "IPMasq": true, "HairpinMode": true, "MTU": 1400,
            "IPMasqExclude": ["10.244.0.0/16"], "MacSpoofChk": true, "IPAM": ipamConfig,
        ]))
        #expect(configuration.bridgeName == "kbr0")
        #expect(configuration.isGateway && configuration.ipMasq && configuration.hairpinMode && configuration.macSpoofCheck)
        #expect(configuration.mtu == 1400)
        #expect(configuration.ipMasqExclude.map(\.description) == ["10.244.0.0/16"])
    }

    @Test("A MAC from RuntimeConfig.Mac or Args.CNI.MAC")
    func macInGoCasing() throws {
        let fromRuntime = try makeRequest(.add, ["RuntimeConfig": ["Mac": "02:00:00:00:00:0a"]])
        #expect(try BridgeConfiguration(fromRuntime).requestedMAC?.description == "02:00:00:00:00:0a")
        let fromArgs = try makeRequest(.add, ["Args": ["CNI": ["MAC": "02:00:00:00:00:0b"]]])
        #expect(try BridgeConfiguration(fromArgs).requestedMAC?.description == "02:00:00:00:00:0b")
    }

    @Test("A bad value under a Go-spelled key is still code 7 naming the key")
    func invalidValueInGoCasing() {
        #expect(throws: CNIError.self) { try BridgeConfiguration(makeRequest(.add, ["MTU": "big"])) }
        do {
            _ = try BridgeConfiguration(makeRequest(.add, ["MTU": "big"]))
        } catch let error as CNIError {
            #expect(error.code == .invalidNetworkConfig)
            #expect(error.message.contains("mtu") || error.details.contains("mtu"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("IPAM with a Go-spelled Type counts as IPAM: disableContainerInterface with it is code 7")
    func ipamTypeInGoCasing() {
        #expect(throws: CNIError.self) {
            try BridgeConfiguration(makeRequest(.add, ["IPAM": ["Type": "host-local", "subnet": "10.1.0.0/24"],
                                                       "disableContainerInterface": true]))
        }
    }
}
