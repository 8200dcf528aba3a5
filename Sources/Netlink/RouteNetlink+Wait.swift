#if canImport(Glibc)
import Glibc

/// Waiting for link state.
extension RouteNetlink {
    /// Returns once the link's operational state is UP, polling with a short exponential backoff
    /// (checks at once, then after 1, 2, 4 ... ms, capped at 32 ms) bounded by the timeout.
    ///
    /// Equivalent to repeating `ip link show dev <index>` until it reports `state UP`. A veth end
    /// is normally UP right after both ends are set up, so this usually costs one round trip.
    /// - Throws: `NetlinkError` with ENODEV if the link disappears, ETIMEDOUT on timeout.
    public func waitUntilOperUp(index: Int32, timeoutMilliseconds: Int) throws(NetlinkError) {
        let deadline = Self.monotonicMilliseconds() + timeoutMilliseconds
        var pause = 1
        while true {
            guard let link = try link(index: index) else {
                throw NetlinkError("wait for link index \(index) to come up: link vanished", errno: ENODEV)
            }
            if link.operationalState == .up { return }
            let now = Self.monotonicMilliseconds()
            if now >= deadline {
                throw NetlinkError(
                    "wait for \(link.name) to come up: still \(link.operationalState) after \(timeoutMilliseconds) ms",
                    errno: ETIMEDOUT)
            }
            Self.sleep(milliseconds: min(pause, deadline - now))
            pause = min(pause * 2, 32)
        }
    }

    private static func monotonicMilliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
    }

    private static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
#endif
