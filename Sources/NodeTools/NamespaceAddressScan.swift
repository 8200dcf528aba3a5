import CNIProtocol
import LinuxSupport
import Netlink

#if canImport(Glibc)
import Glibc
#endif

/// Every address configured in any network namespace of the node that can be found: the named
/// ones under `/run/netns` and those of running processes (`/proc/<pid>/ns/net`).
///
/// `reclaim` uses it as the proof that a container's namespace is gone: a reservation whose
/// address no namespace carries has nobody left to use it.
enum NamespaceAddressScan {
    static func addressesInUse(namespaceDirectories: [String] = ["/run/netns"]) -> Set<IPAddress> {
        var seen = Set<UInt64>()
        var addresses = Set<IPAddress>()
        for path in candidatePaths(namespaceDirectories) {
            guard let namespace = try? NetworkNamespace.open(path: path), seen.insert(namespace.inode).inserted,
                  let netlink = try? RouteNetlink(in: namespace), let links = try? netlink.links()
            else { continue }
            for link in links {
                for network in (try? netlink.addresses(of: link.index)) ?? [] { addresses.insert(network.address) }
            }
        }
        return addresses
    }

    private static func candidatePaths(_ directories: [String]) -> [String] {
        var paths: [String] = []
        for directory in directories {
            guard let handle = try? DirectoryHandle(path: directory) else { continue }
            paths += ((try? handle.entries()) ?? []).map { "\(directory)/\($0.name)" }
        }
        guard let proc = try? DirectoryHandle(path: "/proc") else { return paths }
        let pids = ((try? proc.entries()) ?? []).map(\.name).filter { $0.allSatisfy(\.isNumber) }
        return paths + pids.map { "/proc/\($0)/ns/net" }
    }
}
