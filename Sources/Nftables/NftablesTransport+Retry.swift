#if canImport(Glibc)
import Glibc
#endif

extension NftablesTransport {
    /// Runs `body` until the kernel stops refusing its pinned batch with ERESTART, which it does
    /// when another transaction committed between the body's reads and its write; a short,
    /// growing, random pause between tries spreads concurrent plugins apart. Every read-then-write
    /// of shared nftables state goes through here, so "write only what the reads saw" holds.
    /// - Parameter what: names the work in the error when the ruleset never holds still.
    /// - Throws: the body's other errors; `NftablesError` (EAGAIN) after 200 refusals.
    func retryingWhileRulesetChanges<T>(_ what: String, _ body: () throws -> T) throws -> T {
        for attempt in 0..<200 {
            do {
                return try body()
            } catch let error as NftablesError where error.errno == ERESTART {
                usleep(UInt32(Int.random(in: 100...(500 + 100 * min(attempt, 20)))))
            }
        }
        throw NftablesError("\(what): ruleset kept changing", errno: EAGAIN)
    }
}
