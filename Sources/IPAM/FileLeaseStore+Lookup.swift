#if canImport(Glibc)
import Glibc
#endif
import CNIProtocol
import LinuxSupport

extension FileLeaseStore {
    /// The addresses listed in the attachment's index file, unverified; `nil` with no index.
    private func indexedAddresses(of attachment: Attachment) throws(IPAMError) -> [IPAddress]? {
        try Self.validate(attachment)
        let bytes = try storeOperation { () throws(SystemError) in try scratch.readFile(Self.indexName(for: attachment)) }
        guard let bytes else { return nil }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { IPAddress($0) }
    }

    /// Those of `addresses` whose `<ip>` file names `attachment` as its holder.
    private func held(_ addresses: [IPAddress], by attachment: Attachment) throws -> [IPAddress] {
        try addresses.filter { try owner(of: $0) == .attachment(attachment) }
    }

    public func recordedAddresses(of attachment: Attachment) throws -> [IPAddress] {
        try held(indexedAddresses(of: attachment) ?? [], by: attachment)
    }

    public func record(_ addresses: [IPAddress], for attachment: Attachment) throws {
        let indexed = try indexedAddresses(of: attachment)
        var all = try held(indexed ?? [], by: attachment)
        for address in addresses where !all.contains(address) { all.append(address) }
        let name = Self.indexName(for: attachment)
        try storeOperation { () throws(SystemError) in
            if all.isEmpty {
                try scratch.removeFile(name)
                return
            }
            let text = Array(all.map(\.description).joined(separator: "\n").utf8)
            // A first index is created under its own name: a kill before its one write leaves it
            // empty, which reads as no index. Only a rewrite needs the staged replacement.
            if indexed == nil {
                try scratch.createFile(name, contents: text, mode: 0o600)
            } else {
                try scratch.replaceFile(name, contents: text, mode: 0o600, temporaryName: ".record")
            }
        }
        stepObserver?(.recorded)
    }

    public func addresses(of attachment: Attachment) throws -> [IPAddress] {
        if let indexed = try indexedAddresses(of: attachment), !indexed.isEmpty {
            let verified = try held(indexed, by: attachment)
            if verified.count == indexed.count { return verified }
        }
        // No index, or a stale one: walk everything, as the reference does.
        let all = try leases().sorted { $0.address < $1.address }
        let current = all.filter { $0.owner == .attachment(attachment) }.map(\.address)
        if !current.isEmpty { return current }
        return all.filter { $0.owner == .containerOnly(attachment.containerID) }.map(\.address)
    }

    public func release(_ address: IPAddress, of attachment: Attachment) throws {
        let held = try owner(of: address)
        guard held == .attachment(attachment) || held == .containerOnly(attachment.containerID) else { return }
        try remove(address)
    }

    @discardableResult
    public func releaseAll(of attachment: Attachment) throws -> [IPAddress] {
        let held = try addresses(of: attachment)
        var failures: [String] = []
        for address in held {
            do { try release(address, of: attachment) } catch { failures.append("\(address): \(error)") }
        }
        do {
            try storeOperation { () throws(SystemError) in try scratch.removeFile(Self.indexName(for: attachment)) }
        } catch {
            failures.append("\(error)")
        }
        if !failures.isEmpty {
            throw IPAMError.several(summary: "could not release every address of \(attachment)", failures)
        }
        return held
    }

    public func leases() throws -> [Lease] {
        try reservedAddresses().map { address in Lease(address: address, owner: try owner(of: address) ?? .unknown) }
    }

    public func reservedAddresses() throws -> [IPAddress] {
        let entries = try storeOperation { () throws(SystemError) in try directory.entries() }
        return entries.compactMap { entry in
            // Only canonical address names count: the reference writes nothing else, and a file
            // named otherwise is not ours to judge.
            guard entry.kind == .regularFile, let address = IPAddress(entry.name) else { return nil }
            // IPv4 parsing already refuses every non-canonical spelling (leading zeros).
            guard address.family == .v4 || address.description == entry.name else { return nil }
            return address
        }
    }

    public func remove(_ address: IPAddress) throws {
        try storeOperation { () throws(SystemError) in try directory.removeFile(address.description) }
    }

    public func removeGarbage() -> [String] {
        var failures: [String] = []
        let entries: [(name: String, kind: DirectoryHandle.EntryKind)]
        do { entries = try scratch.entries() } catch { return ["\(error)"] }
        for entry in entries where entry.kind == .regularFile {
            do {
                if entry.name.hasPrefix(".") {
                    try scratch.removeFile(entry.name)
                } else if let attachment = Self.attachment(fromIndexName: entry.name),
                    try recordedAddresses(of: attachment).isEmpty
                {
                    try scratch.removeFile(entry.name)
                }
            } catch {
                failures.append("\(scratch.path)/\(entry.name): \(error)")
            }
        }
        return failures
    }

    static func attachment(fromIndexName name: String) -> Attachment? {
        guard let at = name.firstIndex(of: "@") else { return nil }
        let attachment = Attachment(containerID: String(name[..<at]), ifName: String(name[name.index(after: at)...]))
        return isSafeName(attachment.containerID) && isValidInterfaceName(attachment.ifName) ? attachment : nil
    }

    /// Creates and removes a scratch file named for this process. Call it under the lock: only
    /// then are scratch files known to be this process's own.
    public func probeWritable() throws {
        let name = ".probe.\(getpid())"
        try storeOperation { () throws(SystemError) in
            try scratch.removeFile(name)
            try scratch.createFile(name, contents: [], mode: 0o600)
            try scratch.removeFile(name)
        }
    }
}
