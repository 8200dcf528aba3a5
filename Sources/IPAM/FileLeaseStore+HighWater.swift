import CNIProtocol
import LinuxSupport

// The high-water marks of `FirstUseFrontier`, in the scratch directory the reference
// `host-local` never reads: `.nsbridge/high_water_ip.<set>`, the address and no newline, like
// `last_reserved_ip.<set>`. Its name has no `@`, so `removeGarbage` never takes it for an index.
extension FileLeaseStore {
    static let highWaterPrefix = "high_water_ip."

    public func highWaterMark(rangeSetIndex: Int) -> IPAddress? {
        guard let bytes = try? scratch.readFile(Self.highWaterPrefix + String(rangeSetIndex), limit: 64) ?? nil
        else { return nil }
        return IPAddress(String(decoding: bytes, as: UTF8.self).trimmingWhitespace())
    }

    /// Rewritten in place: a kill mid-write leaves a prefix of the old mark, which is lower or
    /// unreadable, and either way errs towards announcing (see `FirstUseFrontier`).
    public func setHighWaterMark(_ address: IPAddress, rangeSetIndex: Int) throws {
        try storeOperation { () throws(SystemError) in
            try scratch.overwriteFile(Self.highWaterPrefix + String(rangeSetIndex), contents: Array(address.description.utf8),
                                      mode: 0o600)
        }
    }
}
