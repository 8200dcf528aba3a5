#if canImport(Glibc)
import Glibc

/// Closes a file descriptor on a detached thread, for a descriptor whose release makes the
/// kernel wait: releasing a `NETLINK_NETFILTER` socket after a deletion waits for an RCU grace
/// period (PERFORMANCE.md), and the caller has other waits of its own to get on with.
///
/// The thread gets the descriptor number itself as its argument, so nothing is shared with the
/// caller. The process's exit still waits for the close to finish: the kernel reports a
/// process's exit only once all its threads are gone, so a runtime never sees DEL end early.
public enum BackgroundClose {
    public static func close(_ descriptor: Int32) {
        // Offset by one, so descriptor 0 is not passed as a null pointer.
        let argument = UnsafeMutableRawPointer(bitPattern: UInt(descriptor) + 1)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            _ = Glibc.close(Int32(truncatingIfNeeded: UInt(bitPattern: argument) - 1))
            return nil
        }, argument)
        if created == 0 {
            pthread_detach(thread)
        } else {
            _ = Glibc.close(descriptor)
        }
    }
}
#endif
