#if canImport(Glibc)
import Glibc

/// Runs two pieces of synchronous work at the same time and returns when both are done.
///
/// Some kernel operations block the caller for a grace period without using the CPU (deleting
/// a network device, releasing a netfilter socket after a deletion). Two of them in a row wait
/// twice; side by side, once. The second piece runs on a fresh pthread, which starts in the
/// calling thread's network namespace and exits afterwards, so no reused thread is involved.
public enum ParallelWork {
    private final class Job {
        let work: () -> Void
        init(_ work: @escaping () -> Void) { self.work = work }
    }

    /// Runs `background` on a new thread while `foreground` runs on the calling thread. If the
    /// thread cannot be started, `background` runs after `foreground` instead.
    public static func run(_ foreground: () -> Void, alongside background: () -> Void) {
        withoutActuallyEscaping(background) { background in
            let context = Unmanaged.passRetained(Job(background)).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { raw in
                guard let raw else { return nil }
                Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().work()
                return nil
            }, context)
            foreground()
            if created == 0 {
                pthread_join(thread, nil)
            } else {
                Unmanaged<Job>.fromOpaque(context).release()
                background()
            }
        }
    }
}
#endif
