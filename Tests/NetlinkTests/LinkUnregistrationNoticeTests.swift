import Netlink
import Testing

/// Which `RTNLGRP_LINK` notifications end ``LinkUnregistration``'s wait. The datagrams are
/// what `ip monitor link` shows when `ip link delete` removes a bridge port (index 7): the
/// bridge's `AF_BRIDGE` `RTM_DELLINK` for the port, then the link's own `AF_UNSPEC` one.
@Suite("Link unregistration notices")
struct LinkUnregistrationNoticeTests {
    /// One notification: a 32-byte message of `type` (16 RTM_NEWLINK, 17 RTM_DELLINK) whose
    /// ifinfomsg has `family` (0 AF_UNSPEC, 7 AF_BRIDGE, 10 AF_INET6) and `index`.
    static func notice(type: UInt8, family: UInt8, index: UInt8) -> [UInt8] {
        [0x20, 0, 0, 0, type, 0, 0, 0] + [UInt8](repeating: 0, count: 8)  // nlmsghdr: len 32, no flags, seq 0, pid 0
            + [family, 0, 0x01, 0x00, index, 0, 0, 0] + [UInt8](repeating: 0, count: 8)  // ifinfomsg: ARPHRD_ETHER, index
    }

    @Test("The port's removal from its bridge (AF_BRIDGE) or the link's own RTM_DELLINK (AF_UNSPEC) ends the wait")
    func deletionsOfTheLink() {
        #expect(LinkUnregistration.endsWait(Self.notice(type: 17, family: 7, index: 7), index: 7))
        #expect(LinkUnregistration.endsWait(Self.notice(type: 17, family: 0, index: 7), index: 7))
    }

    @Test("Another link's deletion, a change of this link, or another family's notice does not")
    func otherNotices() {
        #expect(!LinkUnregistration.endsWait(Self.notice(type: 17, family: 7, index: 8), index: 7))
        #expect(!LinkUnregistration.endsWait(Self.notice(type: 17, family: 0, index: 8), index: 7))
        #expect(!LinkUnregistration.endsWait(Self.notice(type: 16, family: 0, index: 7), index: 7), "link going down")
        #expect(!LinkUnregistration.endsWait(Self.notice(type: 16, family: 7, index: 7), index: 7), "port state change")
        #expect(!LinkUnregistration.endsWait(Self.notice(type: 17, family: 10, index: 7), index: 7), "AF_INET6")
    }

    @Test("A datagram of several notices ends the wait if any of them does; a truncated one never does")
    func datagrams() {
        let down = Self.notice(type: 16, family: 0, index: 7)
        let removed = Self.notice(type: 17, family: 7, index: 7)
        #expect(LinkUnregistration.endsWait(down + removed, index: 7))
        #expect(!LinkUnregistration.endsWait(Array(removed.prefix(24)), index: 7))
        #expect(!LinkUnregistration.endsWait([], index: 7))
    }
}
