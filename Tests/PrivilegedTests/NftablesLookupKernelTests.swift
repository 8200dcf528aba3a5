import CNIProtocol
@testable import Nftables
import Testing

/// The pipelined lookups and the comment-only chain listing of ADD's fast path, against the
/// kernel's answers to the one-at-a-time reads they replace.
@Suite(.serialized, .enabled(if: canRunNftablesKernelTests, "needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN) for a throwaway network namespace"))
struct NftablesLookupKernelTests {
    private let owner = CNIProtocol.Attachment(containerID: "lookup-a", ifName: "eth0")
    private let present = IPAddress("10.78.0.2")!

    @Test("one lookup datagram answers generation, use counts and elements as the single reads do; absent things are nil")
    func lookUpMatchesSingleReads() throws {
        let host = try TestNamespace("lookup")
        try host.enter {
            let transport = try MNLNftablesTransport()
            let part = MasqueradeFirewall.part(network: "nsbt-lookup", attachment: owner, addresses: [present],
                                               subnets: [IPNetwork("10.78.0.0/24")!], excluded: [])
            #expect(try NetworkAddition(transport: transport).add([part]) == [true])
            let (map, element) = (part.elements[0].set, part.elements[0].element)
            let missingChain = Chain(table: MasqueradeFirewall.table, name: "nsb-lookup-absent")
            let results = try transport.lookUp([
                .generation, .chainUse(part.objects.base), .element(map, key: element.key),
                .element(map, key: SetElement.key(IPAddress("10.78.0.3")!)), .chainUse(missingChain),
            ])
            #expect(results[0] == .generation(try transport.generation()))
            #expect(results[1] == .chainUse(try transport.useCount(of: part.objects.base)))
            #expect(results[1] == .chainUse(2))
            #expect(results[2] == .element(try transport.elements(of: map, keys: [element.key])?.first))
            #expect(results[2] != .element(nil))
            #expect(results[3] == .element(nil))
            #expect(results[4] == .chainUse(nil))

            let comments = try transport.ruleCommentsOrEmpty(in: part.objects.target)
            let listed = try transport.ruleComments(in: part.objects.target)
            #expect(!comments.isEmpty && comments == listed)
            #expect(try transport.ruleCommentsOrEmpty(in: missingChain).isEmpty)

            let second = MasqueradeFirewall.part(network: "nsbt-lookup", attachment: owner, addresses: [present],
                                                 subnets: [IPNetwork("10.78.0.0/24")!], excluded: [])
            #expect(try NetworkAddition(transport: transport).add([second]) == [false], "the fast path holds on the kernel")
            try MasqueradeFirewall(transport: transport).remove(network: "nsbt-lookup", attachment: owner, addresses: [present])
            #expect(try transport.ruleComments(in: part.objects.target) == nil, "the last DEL removes the network")
        }
    }
}
