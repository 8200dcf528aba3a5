#if canImport(Glibc)
import Netlink

extension KernelDatapath {
    /// One link dump, then `ip link set <port> master <bridge> up` for every listed host link that
    /// exists and is not on the bridge. Used only when ADD had to re-create a deleted bridge, so
    /// its cost (proportional to the host's links) is paid once per such repair, never on the
    /// steady-state path.
    func reattachPorts(_ names: Set<String>, toBridge bridge: String) throws -> [String] {
        guard !names.isEmpty else { return [] }
        let bridgeIndex = try bridgeIndex(bridge)
        var reattached: [String] = []
        for link in try hostNetlink.links() where names.contains(link.name) && link.masterIndex != bridgeIndex {
            try hostNetlink.setMaster(link.index, bridgeIndex: bridgeIndex)
            if !link.isUp { try hostNetlink.setUp(link.index) }
            reattached.append(link.name)
        }
        return reattached.sorted()
    }
}
#endif
