import CNIProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Sums the time spent in each phase, from any thread.
final class PhaseTotals: InvocationObserver, @unchecked Sendable {
    private var nanoseconds = [UInt64](repeating: 0, count: InvocationPhase.allCases.count)
    private var calls = [Int](repeating: 0, count: InvocationPhase.allCases.count)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func begin(_ phase: InvocationPhase) -> UInt64 { MonotonicClock.nanoseconds() }

    func end(_ phase: InvocationPhase, startedAt start: UInt64) {
        let elapsed = MonotonicClock.nanoseconds() &- start
        let index = InvocationPhase.allCases.firstIndex(of: phase)!
        pthread_mutex_lock(mutex)
        nanoseconds[index] &+= elapsed
        calls[index] += 1
        pthread_mutex_unlock(mutex)
    }

    /// Milliseconds per phase (every phase, zero included), and the number of measured calls.
    func snapshot() -> (milliseconds: [InvocationPhase: Double], calls: [InvocationPhase: Int]) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var milliseconds: [InvocationPhase: Double] = [:]
        var counts: [InvocationPhase: Int] = [:]
        for (index, phase) in InvocationPhase.allCases.enumerated() {
            milliseconds[phase] = MonotonicClock.milliseconds(nanoseconds[index])
            counts[phase] = calls[index]
        }
        return (milliseconds, counts)
    }
}

enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Rounded to microseconds, so the log stays readable.
    static func milliseconds(_ nanoseconds: UInt64) -> Double {
        Double(nanoseconds / 1_000) / 1_000
    }
}
