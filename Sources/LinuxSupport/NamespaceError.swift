/// Why a network namespace could not be opened or entered.
///
/// `notFound` and `notANamespace` are separate so that CNI DEL can treat both as "the container's
/// namespace is already gone" while ADD reports them precisely.
public enum NamespaceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing exists at the path (ENOENT).
    case notFound(String)
    /// Something exists at the path but it is not a namespace file (not on nsfs or procfs), for
    /// example the empty mount point left behind after a namespace was unmounted.
    case notANamespace(String)
    /// Any other failure of the underlying system call (open, setns, unshare, pthread_create).
    case system(SystemError)

    public var description: String {
        switch self {
        case .notFound(let path): "network namespace \(path) does not exist"
        case .notANamespace(let path): "\(path) is not a network namespace"
        case .system(let error): error.description
        }
    }
}
