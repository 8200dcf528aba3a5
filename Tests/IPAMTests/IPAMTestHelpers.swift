import CNIProtocol
import CNITestSupport
import IPAM

/// A plugin request carrying `json` as its configuration.
func makeRequest(_ json: String, command: CNICommand = .add, containerID: String = "c1", ifName: String = "eth0",
                 arguments: String = "", searchPath: [String] = []) throws -> PluginRequest
{
    let bytes = Array(json.utf8)
    let environment = PluginEnvironment(command: command, containerID: containerID, netns: "/var/run/netns/x", ifName: ifName,
                                        arguments: try CNIArguments(parsing: arguments), searchPath: searchPath)
    return PluginRequest(environment: environment, configuration: try NetworkConfiguration(parsing: bytes), stdin: bytes)
}

/// A network configuration with `ipam` as given (a JSON object text).
func networkJSON(ipam: String, name: String = "testnet", version: String = "1.0.0", extra: String = "") -> String {
    #"{"cniVersion":"\#(version)","name":"\#(name)","type":"nsbridge","ipam":\#(ipam)\#(extra)}"#
}

func ip(_ text: String) -> IPAddress { IPAddress(text)! }

func attachment(_ id: String, _ ifName: String = "eth0") -> Attachment {
    Attachment(containerID: id, ifName: ifName)
}

/// The configuration decoded from an `ipam` object text.
func ipamConfiguration(_ ipam: String, extra: String = "", arguments: String = "") throws -> IPAMConfiguration {
    try IPAMConfiguration(request: makeRequest(networkJSON(ipam: ipam, extra: extra), arguments: arguments))
}

func rangeSet(_ subnet: String, start: String? = nil, end: String? = nil, gateway: String? = nil) throws -> RangeSet {
    try RangeSet([AddressRange(subnet: IPNetwork(subnet)!, rangeStart: start.map(ip), rangeEnd: end.map(ip),
                               gateway: gateway.map(ip))])
}
