import CNIProtocol

/// The bridge plugin's own CNI error codes, from 100 as the spec reserves 0–99. (IPAM uses
/// 120–123.)
extension CNIError.Code {
    /// 100: a link the plugin must create already exists (`CNI_IFNAME` in the namespace, or a
    /// non-bridge link with the bridge's name).
    public static let linkConflict = CNIError.Code(rawValue: 100)
    /// 101: CHECK found the attachment different from `prevResult`.
    public static let checkFailed = CNIError.Code(rawValue: 101)
    /// 102: DEL or GC removed what it could but some steps failed.
    public static let teardownIncomplete = CNIError.Code(rawValue: 102)
    /// 103: the container namespace cannot be used for the request.
    public static let namespaceUnusable = CNIError.Code(rawValue: 103)
    /// 104: a kernel operation failed unexpectedly.
    public static let kernel = CNIError.Code(rawValue: 104)
}
