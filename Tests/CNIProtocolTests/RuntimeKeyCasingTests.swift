import CNIProtocol
import Testing

/// What real runtimes send, key for key. containerd's CRI (go-cni) marshals its capability
/// structs without JSON tags, so Go field names arrive (`HostPort`, `IngressRate`, `IPRanges`
/// with `Subnet`); CRI-O (ocicni) sends the documented camelCase. A Go plugin reads both, because
/// encoding/json matches field names ignoring case, and so must nsbridge.
@Suite("Keys in the casings runtimes send")
struct RuntimeKeyCasingTests {
    /// stdin of ADD for the rendered Kubernetes conflist as libcni builds it under containerd
    /// 1.6's CRI (captured shape; values shortened).
    static let containerdAdd = #"""
    {"cniVersion":"1.0.0","name":"k8s-pod-network","type":"nsbridge","bridge":"cni0",
     "capabilities":{"bandwidth":true,"portMappings":true},
     "ipam":{"type":"host-local","ranges":[[{"subnet":"10.244.5.0/24"}]]},
     "runtimeConfig":{"bandwidth":{"IngressRate":2000000,"IngressBurst":0,"EgressRate":2000000,"EgressBurst":0},
                      "portMappings":[{"HostPort":18080,"ContainerPort":80,"Protocol":"tcp","HostIP":""}]}}
    """#

    /// The same through CRI-O's ocicni, whose structs carry camelCase tags.
    static let crioAdd = #"""
    {"cniVersion":"1.0.0","name":"k8s-pod-network","type":"nsbridge",
     "runtimeConfig":{"bandwidth":{"ingressRate":2000000,"egressRate":2000000},
                      "portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp","hostIP":""}]}}
    """#

    @Test("containerd's Go field names and CRI-O's camelCase read the same through member()",
          arguments: [containerdAdd, crioAdd])
    func capabilityArguments(text: String) throws {
        let configuration = try NetworkConfiguration(parsing: Array(text.utf8))
        let mapping = configuration.runtimeConfig.member("portMappings")?.arrayValue?.first
        #expect(mapping?["hostPort"] == .integer(18080))
        #expect(mapping?["containerPort"] == .integer(80))
        #expect(mapping?["protocol"] == .string("tcp"))
        #expect(mapping?["hostIP"] == .string(""))
        let bandwidth = configuration.runtimeConfig.member("bandwidth")
        #expect(bandwidth?["ingressRate"] == .integer(2_000_000))
        #expect(bandwidth?["egressRate"] == .integer(2_000_000))
    }

    @Test("Top-level keys in Go's spelling: CNIVersion, Name, Type, IPAM, RuntimeConfig, Args, DNS")
    func topLevelKeys() throws {
        let configuration = try NetworkConfiguration(parsing: Array(#"""
        {"CNIVersion":"1.0.0","Name":"net1","Type":"nsbridge","IPAM":{"Type":"host-local"},
         "RuntimeConfig":{"MAC":"02:00:00:00:00:07"},"Args":{"CNI":{"IPs":["10.1.0.9"]}},
         "DNS":{"Nameservers":["10.96.0.10"],"Domain":"cluster.local","Search":["svc.cluster.local"]}}
        """#.utf8))
        #expect(configuration.cniVersion == .v1_0_0 && configuration.name == "net1" && configuration.type == "nsbridge")
        #expect(configuration.ipam?.member("type") == .string("host-local"))
        #expect(configuration.runtimeConfig.member("mac") == .string("02:00:00:00:00:07"))
        #expect(configuration.args.member("cni")?["ips"] == .array([.string("10.1.0.9")]))
        #expect(configuration.dns?.nameservers == ["10.96.0.10"])
        #expect(configuration.dns?.domain == "cluster.local")
        #expect(configuration.dns?.search == ["svc.cluster.local"])
    }

    @Test("A prevResult in Go's field names parses to the same result as the spec's spelling")
    func previousResultInGoCasing() throws {
        func prevResult(_ body: String) throws -> CNIResult? {
            try NetworkConfiguration(parsing: Array(#"{"cniVersion":"1.0.0","name":"n","prevResult":\#(body)}"#.utf8)).prevResult
        }
        let spec = try prevResult(#"""
        {"cniVersion":"1.0.0","interfaces":[{"name":"cni0","mac":"02:00:00:00:00:01"},{"name":"eth0","mac":"02:00:00:00:00:02","sandbox":"/run/netns/x"}],
         "ips":[{"address":"10.1.0.5/24","gateway":"10.1.0.1","interface":1}],"routes":[{"dst":"0.0.0.0/0","gw":"10.1.0.1"}],
         "dns":{"nameservers":["10.1.0.1"]}}
        """#)
        let go = try prevResult(#"""
        {"CNIVersion":"1.0.0","Interfaces":[{"Name":"cni0","Mac":"02:00:00:00:00:01"},{"Name":"eth0","MAC":"02:00:00:00:00:02","Sandbox":"/run/netns/x"}],
         "IPs":[{"Address":"10.1.0.5/24","Gateway":"10.1.0.1","Interface":1}],"Routes":[{"Dst":"0.0.0.0/0","GW":"10.1.0.1"}],
         "DNS":{"Nameservers":["10.1.0.1"]}}
        """#)
        #expect(spec != nil)
        #expect(go == spec)
        #expect(go?.ips.first?.interface == 1)
        #expect(go?.routes.first?.gateway == IPAddress("10.1.0.1"))
    }

    @Test("GC's attachment list in Go's field names (ContainerID, IfName)")
    func validAttachmentsInGoCasing() throws {
        let configuration = try NetworkConfiguration(parsing: Array(#"""
        {"cniVersion":"1.1.0","name":"n","cni.dev/valid-attachments":[{"ContainerID":"c1","IfName":"eth0"},{"containerID":"c2","ifname":"net1"}]}
        """#.utf8))
        #expect(configuration.validAttachments == [Attachment(containerID: "c1", ifName: "eth0"),
                                                   Attachment(containerID: "c2", ifName: "net1")])
    }
}
