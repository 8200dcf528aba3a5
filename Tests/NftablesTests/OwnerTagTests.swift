import CNIProtocol
import Testing

@testable import Nftables

@Suite("Owner tags and comments")
struct OwnerTagTests {
    @Test("FNV-1a 64 matches the published test vectors")
    func fnvVectors() {
        #expect(StableHash.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test("Element comments read like the reference's and start with the owner prefix")
    func elementComment() {
        let attachment = CNIProtocol.Attachment(containerID: "one", ifName: "eth0")
        let comment = OwnerTag.elementComment(network: "unit-test", attachment: attachment)
        let owner = OwnerTag.owner(network: "unit-test", attachment: attachment)
        #expect(comment == "\(owner), net: unit-test, if: eth0, id: one")
        #expect(OwnerTag.ownerPrefix(of: comment) == owner)
        #expect(owner.utf8.count == 33)
    }

    @Test("Comments are cut to 128 bytes without splitting a character, and lose double quotes")
    func truncation() {
        let attachment = CNIProtocol.Attachment(containerID: String(repeating: "é", count: 100), ifName: "eth\"0")
        let comment = OwnerTag.elementComment(network: "n", attachment: attachment)
        #expect(comment.utf8.count <= 128)
        #expect(!comment.contains("\""))
        #expect(comment.hasSuffix("é"))
    }

    @Test("Different attachments and networks get different owners")
    func distinctOwners() {
        let a = CNIProtocol.Attachment(containerID: "c", ifName: "eth0")
        let b = CNIProtocol.Attachment(containerID: "c", ifName: "eth1")
        #expect(OwnerTag.owner(network: "n", attachment: a) != OwnerTag.owner(network: "n", attachment: b))
        #expect(OwnerTag.owner(network: "n", attachment: a) != OwnerTag.owner(network: "m", attachment: a))
    }
}
