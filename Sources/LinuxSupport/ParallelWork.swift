#if canImport(Glibc)
import Glibc
import Synchronization

/// Runs two pieces of synchronous work at the same time and returns when both are done.
///
/// Some kernel operations block the caller for a grace period without using the CPU (deleting
/// a network device, releasing a netfilter socket after a deletion). Two of them in a row wait
/// twice; side by side, once. The second piece runs on a fresh pthread, which starts in the
/// calling thread's network namespace and exits afterwards, so no reused thread is involved.
///
/// The compiler checks the hand-over: the background piece is `sending`, so it may capture only
/// values that nothing else can reach (Sendable ones, or values made for it and not used again
/// by the caller). It reaches its thread through a mutex; `pthread_create`'s argument carries
/// only a ticket number.
public enum ParallelWork {
    /// Runs `background` on a new thread while `foreground` runs on the calling thread. If the
    /// thread cannot be started, `background` runs after `foreground` instead.
    public static func run(_ foreground: () -> Void, alongside background: sending @escaping () -> Void) {
        let ticket = Handoffs.shared.post(Handoff(background))
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { ticket in
            Handoffs.shared.runPosted(ticket: UInt(bitPattern: ticket))
            return nil
        }, UnsafeMutableRawPointer(bitPattern: ticket))
        foreground()
        if created == 0 {
            pthread_join(thread, nil)
        } else {
            Handoffs.shared.runPosted(ticket: ticket)
        }
    }
}

/// One piece of background work, taken out exactly once by the thread that runs it.
private final class Handoff: Sendable {
    private let work: Mutex<(() -> Void)?>

    init(_ work: sending @escaping () -> Void) {
        self.work = Mutex(work)
    }

    func run() {
        let work = self.work.withLock { $0.take() }
        work?()
    }
}

/// Work posted for threads that have not picked it up yet, by ticket.
private final class Handoffs: Sendable {
    static let shared = Handoffs()

    private struct Board {
        /// Never 0, so a ticket always makes a non-null thread argument.
        var nextTicket: UInt = 1
        var posted: [UInt: Handoff] = [:]
    }

    private let board = Mutex(Board())

    func post(_ handoff: Handoff) -> UInt {
        board.withLock { board in
            let ticket = board.nextTicket
            board.nextTicket += 1
            board.posted[ticket] = handoff
            return ticket
        }
    }

    func runPosted(ticket: UInt) {
        board.withLock { $0.posted.removeValue(forKey: ticket) }?.run()
    }
}
#endif
