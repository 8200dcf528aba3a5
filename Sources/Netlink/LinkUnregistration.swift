#if canImport(Glibc)
import CNetlinkShims
import Glibc
import LinuxSupport
import NetlinkSocket

/// Deletes a link and returns once the kernel has unregistered it, not once it acknowledges.
///
/// Under the rtnl lock the kernel closes the link, takes it (and a veth's peer) off its
/// namespace's lists, so the name is free and no lookup or dump finds it, and then tells the
/// protocols. A bridge port is disabled and announced gone first (`RTM_DELLINK`, family
/// `AF_BRIDGE`); the bridge's bookkeeping for its remaining ports follows (FDB flush, features
/// and MTU recomputed over every port), then the link's own `RTM_DELLINK` (`AF_UNSPEC`). Only
/// after that, with the lock released, does the request wait for `rcu_barrier()` and the
/// device's last reference, which took 13 to 26 ms more per veth pair on this VM (1 to 3 ms to
/// the notification). That wait is left to a ``LingeringChild``, which sends the request; this
/// process watches the `RTNLGRP_LINK` notifications instead, and the first of the two that
/// names the link ends its wait (``endsWait(_:index:)``): with 1,000 ports on the bridge the
/// bookkeeping between them is about 2 ms, and everything after the port's removal still holds
/// the rtnl lock, so any later request on links is served after it.
/// `ip link delete dev <index>`, without waiting for the device's memory to be freed.
public final class LinkUnregistration {
    /// The link whose unregistration ends the wait.
    public let index: Int32
    private let operation: String
    private let notifications: MNLSocket
    private var reply: LingeringChild.Reply?

    /// Starts deleting link `index` of the calling thread's network namespace.
    public convenience init(index: Int32) throws(NetlinkError) {
        try self.init(request: Self.request(index: index), watching: index, operation: "RTM_DELLINK index \(index)")
    }

    /// Starts deleting every link of device group `group` (`ip link delete group <group>`); the
    /// kernel unregisters them as one batch, so the unregistration of `member` ends the wait.
    public convenience init(group: UInt32, watching member: Int32) throws(NetlinkError) {
        try self.init(request: Self.request(group: group), watching: member, operation: "RTM_DELLINK group \(group)")
    }

    private init(request: [UInt8], watching index: Int32, operation: String) throws(NetlinkError) {
        self.index = index
        self.operation = operation
        do {
            notifications = try MNLSocket(bus: NETLINK_ROUTE, receiveCapacity: MNLTransport.receiveCapacity)
            // Before the request, so its notification cannot be missed.
            try notifications.join(group: UInt32(RTNLGRP_LINK.rawValue))
            let requests = try MNLSocket(bus: NETLINK_ROUTE, receiveCapacity: 64)
            reply = try requests.sendFromLingeringChild(request)
        } catch {
            throw NetlinkError(error)
        }
    }

    /// The request the child sends: what ``RouteNetlink/deleteLinkIfPresent(index:)`` sends,
    /// first in its socket's sequence.
    public static func request(index: Int32) -> [UInt8] {
        RouteNetlink(transport: UnconnectedTransport()).linkRequest(RTM_DELLINK, index: index).bytes
    }

    /// What ``RouteNetlink/deleteLinks(inGroup:)`` sends, first in its socket's sequence.
    public static func request(group: UInt32) -> [UInt8] {
        RouteNetlink(transport: UnconnectedTransport()).groupDeletionRequest(group).bytes
    }

    /// Waits until the link is unregistered. Returns `false` when there was no such link (or
    /// group member).
    /// - Throws: `NetlinkError` with the kernel's reason when it refused the deletion.
    public func wait() throws(NetlinkError) -> Bool {
        while readiness() == .notifications {
            do {
                if try unregistrationArrived() { return true }
            } catch {
                break  // ENOBUFS: notifications were dropped, perhaps ours; the reply still tells.
            }
        }
        return try outcome()
    }

    private enum Ready { case notifications, reply }

    private func readiness() -> Ready {
        var watched = [
            pollfd(fd: notifications.descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: reply?.descriptor ?? -1, events: Int16(POLLIN), revents: 0),
        ]
        while poll(&watched, 2, -1) < 0 && errno == EINTR {}
        return watched[0].revents != 0 ? .notifications : .reply
    }

    /// Reads the queued notifications; true if one ends the wait for this link.
    private func unregistrationArrived() throws(SystemError) -> Bool {
        while let datagram = try notifications.receiveIfQueued() {
            if Self.endsWait([UInt8](datagram), index: index) { return true }
        }
        return false
    }

    /// Whether a notification datagram holds an `RTM_DELLINK` for link `index`: the bridge's
    /// (`AF_BRIDGE`), sent once the port is disabled and the link is off the namespace's lists,
    /// or the link's own (`AF_UNSPEC`), for a link that was no bridge port. Any other family's
    /// announcement, or a change (`RTM_NEWLINK`), does not end the wait.
    public static func endsWait(_ datagram: [UInt8], index: Int32) -> Bool {
        (NetlinkMessage.split(datagram) ?? []).contains { message in
            let payload = message.payload
            guard Int32(message.type) == RTM_DELLINK, payload.count >= 16 else { return false }
            let family = Int32(payload[payload.startIndex])
            return (family == AF_UNSPEC || family == AF_BRIDGE)
                && Int32(bitPattern: payload.loadU32(at: payload.startIndex + 4)) == index
        }
    }

    /// The kernel's acknowledgement, as the child forwarded it.
    private func outcome() throws(NetlinkError) -> Bool {
        guard let pending = reply.take() else { return true }
        let datagram: [UInt8]
        do { datagram = try pending.read() } catch { throw NetlinkError(error) }
        guard let ack = NetlinkMessage.split(datagram)?.first(where: { Int32($0.type) == NLMSG_ERROR }) else {
            throw .protocolViolation(operation, "no acknowledgement in the reply")
        }
        do {
            try RouteNetlink.checkStatus(ack) { operation }
            return true
        } catch where error.errno == ENODEV {
            return false
        }
    }
}

extension RouteNetlink {
    /// Starts deleting link `index` and returns the wait for its unregistration
    /// (``LinkUnregistration``), which is `false` when there was no such link. Where no child can
    /// be forked, the request goes on this socket at once, acknowledgement included. This socket
    /// must talk to the calling thread's namespace, where ``LinkUnregistration`` opens its own.
    public func startDeletingLink(index: Int32) throws(NetlinkError) -> () throws -> Bool {
        try startDeleting({ () throws(NetlinkError) in try LinkUnregistration(index: index) },
                          orNow: { () throws(NetlinkError) in try deleteLinkIfPresent(index: index) })
    }

    /// The same for every link of device group `group`; the unregistration of `member` ends the wait.
    public func startDeletingLinks(inGroup group: UInt32, watching member: Int32) throws(NetlinkError) -> () throws -> Bool {
        try startDeleting({ () throws(NetlinkError) in try LinkUnregistration(group: group, watching: member) },
                          orNow: { () throws(NetlinkError) in try deleteLinks(inGroup: group) })
    }

    private func startDeleting(_ start: () throws(NetlinkError) -> LinkUnregistration,
                               orNow delete: () throws(NetlinkError) -> Bool) throws(NetlinkError) -> () throws -> Bool {
        let unregistration: LinkUnregistration
        do {
            unregistration = try start()
        } catch {
            let removed = try delete()
            return { removed }
        }
        return { try unregistration.wait() }
    }
}

/// Lets ``RouteNetlink`` build a request that is sent elsewhere: numbering starts at 1.
private final class UnconnectedTransport: NetlinkTransport {
    var portID: UInt32 { 0 }
    func nextSequenceNumber() -> UInt32 { 1 }
    func send(_ bytes: [UInt8]) throws(NetlinkError) { throw NetlinkError("send on an unconnected transport", errno: ENOTCONN) }
    func receive() throws(NetlinkError) -> [UInt8] { throw NetlinkError("receive on an unconnected transport", errno: ENOTCONN) }
}
#endif
