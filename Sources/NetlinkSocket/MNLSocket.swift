import CMnl
import CNetlinkShims
import Glibc
import LinuxSupport

/// A bound libmnl netlink socket and its receive buffer: the one socket wrapper under both
/// rtnetlink (`Netlink`) and nftables (`Nftables`).
///
/// Every call retries EINTR. Extended ACKs are on, so the kernel says in words why it refused a
/// request, and error ACKs carry only the failed message's header instead of a copy of the
/// whole request. The socket is close-on-exec, since the plugin may run a delegated IPAM plugin
/// while it is open. It belongs to the network namespace of the thread that opened it, for life.
///
/// Not thread-safe: one socket per thread.
public final class MNLSocket {
    public let portID: UInt32
    /// The largest datagram ``receive(blocking:)`` can take whole.
    public let receiveCapacity: Int
    private var handle: OpaquePointer?
    /// What the kernel's receive and send buffers are known to hold; `nil` until first asked.
    private var receiveBufferBytes: Int?
    private var sendBufferBytes: Int?
    /// Raw memory, never a Swift array: parsers keep pointers into it until the next receive.
    private let buffer: UnsafeMutableRawPointer

    /// Opens and binds a socket for netlink protocol `bus` in the calling thread's namespace.
    public init(bus: Int32, receiveCapacity: Int) throws(SystemError) {
        guard let handle = mnl_socket_open2(bus, Int32(SOCK_CLOEXEC.rawValue)) else {
            throw SystemError.current("open netlink socket (protocol \(bus))")
        }
        guard mnl_socket_bind(handle, 0, pid_t(MNL_SOCKET_AUTOPID)) >= 0 else {
            let error = SystemError.current("bind netlink socket (protocol \(bus))")
            mnl_socket_close(handle)
            throw error
        }
        self.handle = handle
        self.portID = mnl_socket_get_portid(handle)
        self.receiveCapacity = receiveCapacity
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: receiveCapacity, alignment: 8)
        // Best effort: older kernels still work, with terser errors and longer acks.
        enableOption(NETLINK_EXT_ACK)
        enableOption(NETLINK_CAP_ACK)
    }

    deinit {
        close()
        buffer.deallocate()
    }

    /// Closes the socket now (nftables waits for the kernel's grace period here, which its
    /// caller wants to time); later calls and the deinitializer do nothing more.
    public func close() {
        guard let handle else { return }
        mnl_socket_close(handle)
        self.handle = nil
    }

    /// Closes the socket, leaving its release in the kernel to a ``LingeringChild`` that holds a
    /// copy until this process has exited, and then for `gracePeriods` RCU grace periods. If no
    /// child can be forked, the socket is closed here, with whatever wait its release brings.
    public func closeAfterExit(gracePeriods: Int32 = 0) {
        guard let handle else { return }
        try? LingeringChild.hold([mnl_socket_get_fd(handle)], gracePeriods: gracePeriods)
        close()
    }

    /// Sends `bytes` from a ``LingeringChild`` and closes this process's copy of the socket: the
    /// kernel's acknowledgement may come long after the request took effect, and the caller
    /// learns of the effect otherwise (a notification), or reads the reply from the pipe.
    public func sendFromLingeringChild(_ bytes: [UInt8]) throws(SystemError) -> LingeringChild.Reply {
        guard let handle else { throw SystemError("send netlink request", errno: EBADF) }
        let reply = try LingeringChild.send(bytes, on: mnl_socket_get_fd(handle))
        close()
        return reply
    }

    /// Subscribes to a multicast group (`RTNLGRP_*`), whose notifications ``receive()`` returns.
    public func join(group: UInt32) throws(SystemError) {
        var number = group
        guard mnl_socket_setsockopt(handle, NETLINK_ADD_MEMBERSHIP, &number, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
            throw SystemError.current("join netlink group \(group)")
        }
    }

    /// The descriptor, to wait for it with `poll`; -1 once closed.
    public var descriptor: Int32 { handle.map { mnl_socket_get_fd($0) } ?? -1 }

    /// Turns on a boolean `SOL_NETLINK` option; best effort, the kernel may not know it.
    public func enableOption(_ option: Int32) {
        var one: Int32 = 1
        _ = mnl_socket_setsockopt(handle, option, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Grows the kernel's buffers for this socket when a request needs more than they hold, and
    /// only then. The kernel queues one ack per batch operation before the caller drains them,
    /// so the default receive buffer (212,992 bytes, about 270 acks) overflows in a batch of a
    /// few hundred elements (a container publishing a port range): acks are dropped, and a reply
    /// read afterwards can be dropped too and waited for forever. As root the sizes may exceed
    /// `rmem_max`/`wmem_max` (`SO_*BUFFORCE`); otherwise the capped size is the best there is.
    /// What each buffer is known to hold is remembered, so a call that needs no more than that
    /// (every batch of an ordinary ADD or DEL after the first) makes no system call.
    public func reserveBuffers(sending: Int, receiving: Int) {
        guard let handle else { return }
        let fd = mnl_socket_get_fd(handle)
        receiveBufferBytes = Self.reserve(receiving, in: fd, option: SO_RCVBUF, forced: SO_RCVBUFFORCE, known: receiveBufferBytes)
        sendBufferBytes = Self.reserve(sending + 4096, in: fd, option: SO_SNDBUF, forced: SO_SNDBUFFORCE, known: sendBufferBytes)
    }

    /// Grows one buffer to `needed` bytes if it holds less.
    /// - Returns: what the buffer is now known to hold, `nil` if unknown.
    private static func reserve(_ needed: Int, in fd: Int32, option: Int32, forced: Int32, known: Int?) -> Int? {
        if let known, known >= needed { return known }
        var current: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, option, &current, &length) == 0 else { return nil }
        // The kernel reports twice the size it was asked for (half is bookkeeping).
        if Int(current) / 2 >= needed { return Int(current) / 2 }
        var size = Int32(clamping: needed)
        if setsockopt(fd, SOL_SOCKET, forced, &size, socklen_t(MemoryLayout<Int32>.size)) == 0 { return needed }
        // Without the privilege to exceed the system's maximum, the kernel caps the size: ask
        // again next time rather than trust it.
        _ = setsockopt(fd, SOL_SOCKET, option, &size, socklen_t(MemoryLayout<Int32>.size))
        return nil
    }

    /// Sends one datagram; a short send is EMSGSIZE.
    public func send(_ bytes: [UInt8]) throws(SystemError) {
        guard handle != nil else { throw SystemError("send netlink request", errno: EBADF) }
        while true {
            let sent = bytes.withUnsafeBytes { mnl_socket_sendto(handle, $0.baseAddress, $0.count) }
            if sent == bytes.count { return }
            if sent >= 0 { throw SystemError("send netlink request", errno: EMSGSIZE) }
            if errno != EINTR { throw SystemError.current("send netlink request") }
        }
    }

    /// Waits for one datagram and receives it into the socket's buffer; the bytes stay valid
    /// until the next receive.
    /// - Throws: ENOSPC for a datagram larger than ``receiveCapacity``, never a silently cut one.
    public func receive() throws(SystemError) -> UnsafeRawBufferPointer {
        while true {
            if let datagram = try receive(waiting: true) { return datagram }
        }
    }

    /// The next queued datagram, as ``receive()``; `nil` when none is queued.
    public func receiveIfQueued() throws(SystemError) -> UnsafeRawBufferPointer? {
        try receive(waiting: false)
    }

    private func receive(waiting: Bool) throws(SystemError) -> UnsafeRawBufferPointer? {
        guard handle != nil else { throw SystemError("receive netlink reply", errno: EBADF) }
        let flags = Int32(MSG_TRUNC) | (waiting ? 0 : Int32(MSG_DONTWAIT))
        while true {
            // With MSG_TRUNC, recv returns the datagram's full length even when it did not fit.
            let count = recv(mnl_socket_get_fd(handle), buffer, receiveCapacity, flags)
            if count > receiveCapacity { throw SystemError("receive netlink reply", errno: ENOSPC) }
            if count >= 0 { return UnsafeRawBufferPointer(start: buffer, count: count) }
            let code = errno
            if code == EINTR { continue }
            if !waiting && (code == EAGAIN || code == EWOULDBLOCK) { return nil }
            throw SystemError("receive netlink reply", errno: code)
        }
    }
}
