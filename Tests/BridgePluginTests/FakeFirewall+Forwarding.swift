import CNIProtocol

@testable import BridgePlugin

extension FakeFirewall {
    func addForwarding(network: String, attachment: Attachment, bridge: String, hostInterface: String) throws {
        if failOnAdd { throw InjectedFault.failed("forwarding") }
        forwarding[network, default: [:]][attachment] = bridge
    }

    func removeForwarding(network: String, attachment: Attachment) throws {
        forwarding[network]?[attachment] = nil
        if forwarding[network]?.isEmpty == true { forwarding[network] = nil }
    }

    func checkForwarding(network: String, attachment: Attachment, bridge: String, hostInterface: String) throws {
        guard forwarding[network]?[attachment] == bridge else { throw InjectedFault.failed("forwarding missing") }
    }

    func garbageCollectForwarding(network: String, keep: Set<Attachment>) throws {
        forwarding[network] = forwarding[network]?.filter { keep.contains($0.key) }
    }
}
