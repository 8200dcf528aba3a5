#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol
import LinuxSupport

/// Reservations on disk, byte-compatible with the reference `host-local`, so the two can share a
/// data directory:
///
/// ```
/// <dataDir>/<network>/            0700 (host-local uses 0755; it still works with ours)
///     lock                        flock(2) target, shared with host-local
///     last_reserved_ip.<set>      the last address reserved in range set <set>, no newline
///     <ip>                        one per reservation, "<containerID>\r\n<ifname>", 0600
///     .nsbridge/                  ours; host-local ignores it
///         <containerID>@<ifname>  the addresses an attachment holds, one per line (an index)
///         high_water_ip.<set>     the range set's high-water mark (FirstUseFrontier), no newline
///         .reserving, .…          scratch files, only ever present while the lock is held
/// ```
///
/// **Crash safety.** A reservation is written whole to `.nsbridge/.reserving` and then given its
/// address as a second name with `link(2)`, which fails atomically with EEXIST when the address
/// is taken, exactly like `O_CREAT|O_EXCL`. A kill at any instant therefore leaves either a
/// complete reservation or none. Scratch files are only touched under the lock, so any found
/// while holding it are leftovers and are removed. An empty `<ip>` file (a reference writer
/// killed between create and write) is reclaimed when the allocator reaches it.
///
/// `last_reserved_ip.<set>` and the high-water mark are hints, rewritten in place (as the
/// reference rewrites `last_reserved_ip`): a kill mid-write leaves a prefix of the old address at
/// worst, which only moves where the next walk starts or announces an address that needed none.
/// Replacing them with a new file per write cost each ADD two more inodes, and right after a
/// burst of ADDs each new inode took 0.3–0.6 ms in the ext4 journal.
///
/// **The index** (`.nsbridge/<containerID>@<ifname>`) lets ADD check for a duplicate allocation
/// and DEL find an attachment's addresses without reading every file. It is advisory: every
/// address it lists is verified against its `<ip>` file, and when it is missing or names an
/// address the attachment no longer holds (say, host-local's DEL freed it), lookups fall back to
/// walking the directory, as the reference always does. An empty index (a writer killed between
/// creating and writing it) reads as none.
///
/// **Names.** The network name and container ID must match `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$` and
/// an interface name must be a valid Linux one, so no value can make a path outside the data
/// directory; every file operation is also relative to an open directory descriptor.
public final class FileLeaseStore: LeaseStore {
    /// Moments inside ``reserve(_:for:rangeSetIndex:)`` and ``record(_:for:)`` that a test can
    /// observe, e.g. to copy the directory and so see what a kill at that instant would leave.
    public enum Step: Sendable, Equatable, CaseIterable {
        case temporaryWritten, linked, temporaryRemoved, lastReservedWritten, recorded
    }

    /// The network's directory, `<dataDir>/<network>`.
    public let directory: DirectoryHandle
    let scratch: DirectoryHandle
    private let lock: FileLock
    /// The attachment whose reservation content sits in `.reserving`, ready to link.
    private var preparedFor: Attachment?
    /// Test seam: called at each ``Step``. `nil` in production.
    public var stepObserver: ((Step) -> Void)?

    static let scratchDirectoryName = ".nsbridge"
    static let reservingName = ".reserving"
    static let lastReservedPrefix = "last_reserved_ip."

    /// Opens (creating as needed, mode 0700) `<dataDirectory>/<network>`.
    /// - Throws: ``IPAMError/invalidConfiguration(_:)`` for an unsafe network name,
    ///   ``IPAMError/store(_:)`` when the directory cannot be created or opened.
    public init(dataDirectory: String, network: String) throws(IPAMError) {
        guard Self.isSafeName(network) else {
            throw .invalidConfiguration("network name \"\(network)\" must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$")
        }
        do {
            let root = try DirectoryHandle(path: dataDirectory, creatingWithMode: 0o700)
            let network = try DirectoryHandle(subdirectory: network, of: root, creatingWithMode: 0o700)
            directory = network
            scratch = try DirectoryHandle(subdirectory: Self.scratchDirectoryName, of: network, creatingWithMode: 0o700)
            lock = try FileLock(named: "lock", in: network)
        } catch {
            throw .store(error)
        }
    }

    /// True for names usable as a network name or container ID in a path: the protocol's own
    /// identifier rule, which admits no `/` and no leading `.`.
    static func isSafeName(_ name: String) -> Bool { PluginEnvironment.isIdentifier(name) }

    /// True for a valid Linux interface name, by the protocol's one rule for `CNI_IFNAME`.
    static func isValidInterfaceName(_ name: String) -> Bool { PluginEnvironment.interfaceNameProblem(name) == nil }

    static func validate(_ attachment: Attachment) throws(IPAMError) {
        guard isSafeName(attachment.containerID) else {
            throw .invalidAttachment("container ID \"\(attachment.containerID)\" must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$")
        }
        guard isValidInterfaceName(attachment.ifName) else {
            throw .invalidAttachment("interface name \"\(attachment.ifName)\" is not a valid Linux interface name")
        }
    }

    /// The reservation file's bytes: `<containerID>\r\n<ifname>`, no trailing newline.
    static func content(for attachment: Attachment) -> [UInt8] {
        Array("\(attachment.containerID)\r\n\(attachment.ifName)".utf8)
    }

    static func indexName(for attachment: Attachment) -> String { "\(attachment.containerID)@\(attachment.ifName)" }

    // MARK: LeaseStore

    public func withLock<Result>(_ body: () throws -> Result) throws -> Result {
        try InvocationPhases.measure(.lockWait) { () throws(IPAMError) in
            try storeOperation { () throws(SystemError) in try lock.lock() }
        }
        defer {
            if preparedFor != nil {
                _ = try? scratch.removeFile(Self.reservingName)
                preparedFor = nil
            }
            lock.unlock()
        }
        return try body()
    }

    public func reserve(_ address: IPAddress, for attachment: Attachment, rangeSetIndex: Int) throws -> Bool {
        try Self.validate(attachment)
        try prepareReservation(for: attachment)
        let name = address.description
        guard try claim(name) else { return false }
        stepObserver?(.linked)
        try storeOperation { () throws(SystemError) in try scratch.removeFile(Self.reservingName) }
        preparedFor = nil
        stepObserver?(.temporaryRemoved)
        try storeOperation { () throws(SystemError) in
            try directory.overwriteFile(Self.lastReservedPrefix + String(rangeSetIndex), contents: Array(name.utf8),
                                        mode: 0o600)
        }
        stepObserver?(.lastReservedWritten)
        return true
    }

    /// Writes the reservation content once per attachment; every probe then costs one `link`.
    private func prepareReservation(for attachment: Attachment) throws(IPAMError) {
        guard preparedFor != attachment else { return }
        try storeOperation { () throws(SystemError) in
            // Unlink first: a leftover may still be linked to a reservation, and rewriting it in
            // place would change that reservation too.
            try scratch.removeFile(Self.reservingName)
            try scratch.createFile(Self.reservingName, contents: Self.content(for: attachment), mode: 0o600)
        }
        preparedFor = attachment
        stepObserver?(.temporaryWritten)
    }

    /// Links the prepared reservation to `name`. An empty regular file there is a leftover of a
    /// writer killed between create and write; it is reclaimed once.
    private func claim(_ name: String) throws(IPAMError) -> Bool {
        for attempt in 0..<2 {
            do {
                try directory.link(Self.reservingName, in: scratch, as: name)
                return true
            } catch where error.errno == EEXIST {
                guard attempt == 0, let status = try? directory.status(of: name), status.kind == .regularFile,
                    status.size == 0
                else { return false }
                _ = try? directory.removeFile(name)
            } catch {
                throw .store(error)
            }
        }
        return false
    }

    public func lastReservedAddress(rangeSetIndex: Int) -> IPAddress? {
        guard let bytes = try? directory.readFile(Self.lastReservedPrefix + String(rangeSetIndex), limit: 64) ?? nil
        else { return nil }
        return IPAddress(String(decoding: bytes, as: UTF8.self).trimmingWhitespace())
    }

    public func owner(of address: IPAddress) throws -> LeaseOwner? {
        do {
            guard let bytes = try directory.readFile(address.description) else { return nil }
            return Self.owner(parsing: bytes)
        } catch {
            // Unreadable (a directory of that name, EIO, …): taken, but by nobody we can name.
            return .unknown
        }
    }

    /// Parses reservation content the way the reference compares it: whitespace-trimmed, then
    /// `<containerID>\r\n<ifname>`, or a bare container ID from old versions.
    static func owner(parsing bytes: [UInt8]) -> LeaseOwner {
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        guard !text.isEmpty else { return .unknown }
        // "\r\n" is one Character, so the standard library finds it (no string-processing search).
        guard let separator = text.firstIndex(of: "\r\n") else { return .containerOnly(text) }
        return .attachment(Attachment(containerID: String(text[..<separator]),
                                      ifName: String(text[text.index(after: separator)...])))
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
