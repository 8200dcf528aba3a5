#if canImport(Glibc)
import Glibc
import LinuxSupport

/// What the test process may do to the kernel, found by trying rather than by checking the uid
/// (root in a container may lack CAP_SYS_ADMIN; user-namespace root may have it).
public enum Privileges {
    /// True if this process can create a network namespace (tried once on a scratch thread), and
    /// the environment does not opt out with `NSBRIDGE_SKIP_PRIVILEGED_TESTS=1`.
    public static let canManageNetworkNamespaces: Bool = {
        if let optOut = getenv("NSBRIDGE_SKIP_PRIVILEGED_TESTS"), String(cString: optOut) == "1" { return false }
        return (try? NetworkNamespace.create()) != nil
    }()

    /// The reason text for `.enabled(if: Privileges.canManageNetworkNamespaces, ...)`.
    public static let networkNamespaceRequirement =
        "requires root (CAP_NET_ADMIN + CAP_SYS_ADMIN) to create a throwaway network namespace; run: sudo swift test --filter PrivilegedTests"
}
#endif
