#if canImport(Glibc)
import CSystemShims
import Glibc
import Synchronization

/// A forked child that finishes, after the plugin has answered, kernel work whose end nobody
/// needs to wait for.
///
/// Two kernel waits are of that kind, and each costs a DEL 10 to 30 ms on this VM:
/// - deleting a network device is acknowledged only after `rcu_barrier()` and the device's last
///   reference, although the device is unregistered (gone from the namespace, its name free,
///   its routes, neighbours and bridge port removed) within a millisecond or two;
/// - releasing a netfilter socket waits for the grace period after which the kernel frees the
///   last committed transaction.
///
/// The child keeps only the descriptors it is given, so a lock file, the runtime's pipes or
/// another socket are never held past the plugin's exit. It exits once every process holding the
/// lifeline's write end (this one) has exited, or after ``lingerLimitMilliseconds``, whichever
/// comes first, plus the grace periods it was asked to wait (``hold(_:gracePeriods:)``). It is
/// never a zombie of the plugin's, since the plugin exits first, and is reaped by whoever adopts
/// it; a process that lives on reaps its exited children at its next fork. Only
/// async-signal-safe calls run in it (in C), which is what POSIX allows after `fork` in a
/// multi-threaded process.
public enum LingeringChild {
    /// How long a child waits for this process's exit before it exits anyway: a process that
    /// lives on (a test process) then pays the kernel's wait itself, at its own close.
    public static let lingerLimitMilliseconds: Int32 = 2000

    /// The outcome of a request a child sent, read from a pipe.
    public struct Reply: ~Copyable {
        /// Readable once the child has the kernel's reply (or failed to get one).
        public let descriptor: Int32

        deinit { close(descriptor) }

        /// Blocks for the child's report: the reply datagram, or the errno of the child's send
        /// or receive.
        public consuming func read() throws(SystemError) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: 4096)
            var count = 0
            while count < bytes.count {
                let got = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + count, $0.count - count) }
                if got == 0 { break }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw SystemError.current("read the lingering child's report")
                }
                count += got
            }
            guard count >= 4 else { throw SystemError("the lingering child exited without a report", errno: EPIPE) }
            let status = bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
            if status != 0 { throw SystemError("send the request from a lingering child", errno: status) }
            return Array(bytes[4..<count])
        }
    }

    /// Hands `descriptors` to a child that closes them only after this process has exited, so
    /// that whatever the kernel does at their last close does not delay the plugin. The caller
    /// closes its own copies as usual, which then costs nothing. With `gracePeriods`, the child
    /// first waits that many RCU grace periods after this process's exit, so that kernel work
    /// still pending on one (freeing a committed nftables transaction) is done by the time the
    /// last close would otherwise wait for it.
    public static func hold(_ descriptors: [Int32], gracePeriods: Int32 = 0) throws(SystemError) {
        try fork(keeping: descriptors, request: nil, gracePeriods: gracePeriods)
    }

    /// Forks a child that sends `request` on the datagram socket `socket`, receives one reply
    /// and reports it through the returned pipe.
    public static func send(_ request: [UInt8], on socket: Int32) throws(SystemError) -> Reply {
        let report = try ChildProcess.makePipe()
        do {
            try fork(keeping: [socket, report.write], request: (request, socket, report.write), gracePeriods: 0)
        } catch {
            close(report.read)
            close(report.write)
            throw error
        }
        close(report.write)
        return Reply(descriptor: report.read)
    }

    private static func fork(keeping kept: [Int32], request: (bytes: [UInt8], socket: Int32, report: Int32)?,
                             gracePeriods: Int32) throws(SystemError)
    {
        let lifeline = try Lifeline.readEnd()
        reapExited()
        let pid = kept.withUnsafeBufferPointer { kept in
            (request?.bytes ?? []).withUnsafeBytes { bytes in
                csys_fork_lingering(kept.baseAddress, Int32(kept.count), lifeline, request?.socket ?? -1,
                                    bytes.baseAddress, bytes.count, request?.report ?? -1, lingerLimitMilliseconds,
                                    gracePeriods)
            }
        }
        guard pid > 0 else { throw SystemError.current("fork a lingering child") }
        Lifeline.children.withLock { $0.append(pid) }
    }

    /// A process that outlives its children (a test process) reaps those that have exited,
    /// without blocking; a plugin exits before any of them does.
    private static func reapExited() {
        Lifeline.children.withLock { children in
            children.removeAll { waitpid($0, nil, WNOHANG) != 0 }
        }
    }

    /// A pipe whose write end only this process holds (close-on-exec, so a delegated plugin
    /// does not inherit it): a child's read end sees end-of-file when this process exits.
    private enum Lifeline {
        static let children = Mutex<[pid_t]>([])
        private static let pipe = Mutex<Int32?>(nil)

        static func readEnd() throws(SystemError) -> Int32 {
            try pipe.withLock { (readEnd: inout Int32?) throws(SystemError) -> Int32 in
                if let readEnd { return readEnd }
                // The write end stays open, unused, until this process exits.
                readEnd = try ChildProcess.makePipe().read
                return readEnd!
            }
        }
    }
}
#endif
