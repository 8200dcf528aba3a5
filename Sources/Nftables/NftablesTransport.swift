/// The seam between nftables logic and the kernel. The live implementation is
/// `MNLNftablesTransport`; tests use `CNITestSupport.RecordingNftablesTransport`.
///
/// Reads return `nil` when the object they look in (table, set, chain) does not exist, so that
/// callers can tell "absent" from "empty" without matching errno values.
public protocol NftablesTransport {
    /// Closes the connection now; any later request fails. The kernel's release of the socket,
    /// which waits for a grace period after a commit, is left to a process that outlives this one.
    func close()

    /// Applies every operation of `batch` in one atomic transaction.
    /// - Throws: `NftablesError`; with `batch.expectedGeneration` set, errno ERESTART means the
    ///   ruleset changed since that generation and nothing was applied.
    func apply(_ batch: Batch) throws

    /// The current ruleset generation (`NFT_MSG_GETGEN`), for `Batch.expectedGeneration`.
    func generation() throws -> UInt32

    /// The elements of `set` whose keys are in `keys` (absent keys are skipped), or every
    /// element when `keys` is `nil`. `nil` if the table or set does not exist.
    func elements(of set: NamedSet, keys: [[UInt8]]?) throws -> [SetElement]?

    /// The comments of the rules in `chain`, in order (`nil` for a rule without one). `nil` if
    /// the chain does not exist.
    func ruleComments(in chain: Chain) throws -> [String?]?

    /// The rules in `chain`, in order, each with its handle and comment. `nil` if the chain
    /// does not exist.
    func rules(in chain: Chain) throws -> [RuleEntry]?

    /// The kernel's use count of `chain` (`NFTA_CHAIN_USE`): its own rules plus every rule and
    /// map element that jumps to it. `nil` if the chain does not exist.
    func useCount(of chain: Chain) throws -> UInt32?

    /// The names of the chains in `table`; `nil` if the table does not exist.
    func chainNames(in table: Table) throws -> [String]?

    /// Answers every lookup, in order (defaults in NftablesTransport+Lookups.swift).
    func lookUp(_ lookups: [NftablesLookup]) throws -> [NftablesLookupResult]

    /// The comments of the rules in `chain`, empty when it does not exist.
    func ruleCommentsOrEmpty(in chain: Chain) throws -> [String?]
}

/// A rule as read back from the kernel: enough to recognise it by comment and delete it.
public struct RuleEntry: Hashable, Sendable {
    /// The kernel's handle (`NFTA_RULE_HANDLE`), unique within the table.
    public var handle: UInt64
    public var comment: String?

    public init(handle: UInt64, comment: String?) {
        self.handle = handle
        self.comment = comment
    }
}
