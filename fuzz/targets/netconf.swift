// libFuzzer target: the network configuration decoders. The common keys and prevResult
// (NetworkConfiguration) and the built-in IPAM's keys (IPAMConfiguration) must refuse bad input
// with an error, never trap. The bridge plugin's own keys now reach into the Nftables and Netlink
// value types (port mappings, shaping), so they are not compiled in here any more.
import CNIProtocol
import IPAM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetworkConfiguration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let configuration = try? NetworkConfiguration(parsing: bytes) else { return 0 }
    let arguments = (try? CNIArguments(parsing: "IgnoreUnknown=1;IP=10.0.0.9;MAC=02:00:00:00:00:01")) ?? CNIArguments()
    let request = PluginRequest(command: .add, containerID: "fuzz", netns: "/run/netns/fuzz", ifName: "eth0",
                                arguments: arguments, configuration: configuration)
    if configuration.ipam != nil { _ = try? IPAMConfiguration(request: request) }
    return 0
}
