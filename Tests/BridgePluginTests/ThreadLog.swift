import Glibc
import Synchronization

/// The threads something ran on, in order; safe to fill from any thread.
final class ThreadLog: Sendable {
    private let recorded = Mutex<[pthread_t]>([])

    var threads: [pthread_t] { recorded.withLock { $0 } }

    func record() {
        let thread = pthread_self()
        recorded.withLock { $0.append(thread) }
    }
}
