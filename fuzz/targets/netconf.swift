// libFuzzer target: the network configuration decoders. The common keys and prevResult
// (NetworkConfiguration), the bridge plugin's own keys (BridgeConfiguration: VLANs, port
// mappings, shaping, tenancy) and the built-in IPAM's keys (IPAMConfiguration) must refuse bad
// input with an error, never trap. BridgeConfiguration only decodes: it touches no kernel.
import BridgePlugin
import CNIProtocol
import IPAM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetworkConfiguration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let configuration = try? NetworkConfiguration(parsing: bytes) else { return 0 }
    let arguments = (try? CNIArguments(parsing: "IgnoreUnknown=1;IP=10.0.0.9;MAC=02:00:00:00:00:01")) ?? CNIArguments()
    let environment = PluginEnvironment(command: .add, containerID: "fuzz", netns: "/run/netns/fuzz", ifName: "eth0",
                                        arguments: arguments)
    let request = PluginRequest(environment: environment, configuration: configuration)
    _ = try? BridgeConfiguration(request)
    if configuration.ipam != nil { _ = try? IPAMConfiguration(request: request) }
    return 0
}
