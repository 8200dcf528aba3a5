#if canImport(Glibc)
import LinuxSupport

/// Who may delete a bridge. Every ADD holds its bridge's lock shared from before it looks the
/// bridge up until it exits; a failed ADD that created the bridge deletes it only if it can
/// turn its hold exclusive at once, that is, when no other ADD is between finding the bridge
/// and enslaving its veth. Listing ports alone cannot tell: a concurrent ADD may hold the
/// bridge's index without having a port on it yet.
///
/// The locks live in `/run/nsbridge`, one small file per bridge: its name and the inode of the
/// network namespace it lives in, so same-named bridges of other namespaces do not interfere.
extension KernelDatapath {
    static let bridgeLockDirectory = "/run/nsbridge"

    /// Takes the bridge's lock shared, once per bridge and request.
    func holdBridge(named name: String) throws {
        guard bridgeLocks[name] == nil else { return }
        let namespace = NetworkNamespace.currentInode()
        let lock = try FileLock.creatingDirectory(path: "\(Self.bridgeLockDirectory)/bridge.\(namespace).\(name).lock")
        try lock.lockShared()
        bridgeLocks[name] = lock
    }

    /// Runs `delete` only when no other ADD holds the bridge, and lets waiting ADDs go after it.
    func withBridgeExclusively(named name: String, _ delete: () throws -> Void) throws {
        guard let lock = bridgeLocks[name], try lock.tryLock() else { return }
        defer {
            lock.unlock()
            bridgeLocks[name] = nil
        }
        try delete()
    }
}
#endif
