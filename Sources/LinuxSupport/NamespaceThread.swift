#if canImport(Glibc)
import CSystemShims
import Glibc

/// Runs a closure on a new pthread that first changes its own network namespace, then exits.
///
/// The namespace binding dies with the thread, so no thread that Swift might reuse is ever left in
/// another namespace. The caller joins, which is what makes handing it a non-escaping closure sound.
enum NamespaceThread {
    enum Setup {
        /// `setns(fd, CLONE_NEWNET)`; the path is only for the error message.
        case enterNetwork(Int32, path: String)
        /// `unshare(CLONE_NEWNET)`: the thread gets a brand-new namespace.
        case unshareNetwork
    }

    private final class Job {
        let setup: Setup
        let work: () -> Void
        var setupErrno: Int32 = 0

        init(setup: Setup, work: @escaping () -> Void) {
            self.setup = setup
            self.work = work
        }

        func runOnThisThread() {
            let result: Int32
            switch setup {
            case .enterNetwork(let fd, _): result = csys_setns_net(fd)
            case .unshareNetwork: result = csys_unshare_net()
            }
            if result != 0 {
                setupErrno = errno
                return
            }
            work()
        }

        var setupDescription: String {
            switch setup {
            case .enterNetwork(_, let path): "setns into \(path)"
            case .unshareNetwork: "unshare(CLONE_NEWNET)"
            }
        }
    }

    /// Starts the thread, waits for it, and reports a failed namespace switch (in which case
    /// `work` did not run).
    static func run(_ setup: Setup, _ work: @escaping () -> Void) throws(NamespaceError) {
        let job = Job(setup: setup, work: work)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(job).toOpaque()
        let created = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().runOnThisThread()
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<Job>.fromOpaque(context).release()
            throw .system(SystemError("pthread_create for \(job.setupDescription)", errno: created))
        }
        pthread_join(thread, nil)
        if job.setupErrno != 0 {
            throw .system(SystemError(job.setupDescription, errno: job.setupErrno))
        }
    }
}
#endif
