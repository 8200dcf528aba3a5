import CNIProtocol
import Nftables

@testable import BridgePlugin

extension FakeFirewall {
    func repairForwarding(network: String, bridge: String, members: [ForwardingAcceptance.Member]) throws -> [String] {
        let missing = members.filter { forwarding[network]?[$0.attachment] != bridge }
        for member in missing { forwarding[network, default: [:]][member.attachment] = bridge }
        return missing.map { "forwarding member \($0.hostInterface)" }
    }
}
