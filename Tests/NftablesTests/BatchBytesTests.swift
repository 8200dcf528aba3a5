import CNIProtocol
import Testing

@testable import Nftables

@Suite("Batch wire bytes")
struct BatchBytesTests {
    /// nft equivalent: `nft delete element inet nsbridge m4 { 10.88.0.5 }`, sent as a batch that
    /// the kernel must refuse (ERESTART) unless the ruleset is still at generation 7.
    @Test("A generation-pinned element delete encodes BATCH_BEGIN+GENID, DELSETELEM with ACK, BATCH_END")
    func pinnedElementDelete() {
        let map = NamedSet(table: MasqueradeFirewall.table, name: "m4", key: .ipv4Address, isVerdictMap: true)
        let batch = Batch([.deleteElements(map, [SetElement(key: SetElement.key(IPAddress("10.88.0.5")!))])],
                          expectedGeneration: 7)
        let golden = """
            1c 00 00 00  // nlmsghdr: length 28
            10 00 01 00  //   type NFNL_MSG_BATCH_BEGIN (0x10), flags NLM_F_REQUEST
            64 00 00 00  //   sequence 100
            00 00 00 00  //   port 0
            00 00 00 0a  // nfgenmsg: family AF_UNSPEC, version 0, res_id NFNL_SUBSYS_NFTABLES (big-endian 10)
            08 00 01 00  // attribute NFNL_BATCH_GENID, length 8
            00 00 00 07  //   generation 7 (big-endian)
            48 00 00 00  // nlmsghdr: length 72
            0e 0a 05 00  //   type NFT_MSG_DELSETELEM (0x0a0e), flags NLM_F_REQUEST | NLM_F_ACK
            65 00 00 00  //   sequence 101
            00 00 00 00  //   port 0
            01 00 00 00  // nfgenmsg: family NFPROTO_INET (1)
            07 00 02 00  // NFTA_SET_ELEM_LIST_SET, length 7: "m4\\0"
            6d 34 00 00
            08 00 04 00  // NFTA_SET_ELEM_LIST_SET_ID (transaction-local set ID, FNV-1a of the name)
            b5 50 a0 84
            0d 00 01 00  // NFTA_SET_ELEM_LIST_TABLE, length 13: "nsbridge\\0"
            6e 73 62 72
            69 64 67 65
            00 00 00 00
            14 00 03 80  // NFTA_SET_ELEM_LIST_ELEMENTS (nested), length 20
            10 00 01 80  //   element 1 (nested), length 16
            0c 00 01 80  //     NFTA_SET_ELEM_KEY (nested), length 12
            08 00 01 00  //       NFTA_DATA_VALUE, length 8
            0a 58 00 05  //         10.88.0.5
            14 00 00 00  // nlmsghdr: length 20
            11 00 01 00  //   type NFNL_MSG_BATCH_END (0x11), flags NLM_F_REQUEST
            66 00 00 00  //   sequence 102
            00 00 00 00  //   port 0
            00 00 00 0a  // nfgenmsg: res_id NFNL_SUBSYS_NFTABLES
            """
        #expect(hexWords(batch.encoded(firstSequence: 100)) == goldenWords(golden))
    }

    @Test("Every operation message asks for an ack and gets consecutive sequence numbers")
    func acksAndSequences() {
        let table = MasqueradeFirewall.table
        let batch = Batch([.addTable(table), .addChain(Chain(table: table, name: "c")), .deleteTable(table)])
        let bytes = batch.encoded(firstSequence: 1)
        var offset = 0
        var messages: [(type: UInt16, flags: UInt16, sequence: UInt32)] = []
        while offset + 16 <= bytes.count {
            let word = { (at: Int) in UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24 }
            let length = Int(word(offset))
            messages.append((UInt16(word(offset + 4) & 0xffff), UInt16(word(offset + 4) >> 16), word(offset + 8)))
            offset += length
        }
        #expect(offset == bytes.count)
        #expect(messages.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(messages.dropFirst().dropLast().allSatisfy { $0.flags & 0x4 != 0 }, "NLM_F_ACK on each operation")
        #expect(messages.map(\.type) == [0x10, 0x0a00, 0x0a03, 0x0a02, 0x11])
    }
}
