import BridgePlugin

/// Shaping state per host link, and the ifbs, in memory.
final class FakeTrafficShaper: TrafficShaper {
    var shaped: [String: ShapingSpec] = [:]
    var ifbs: Set<String> = []
    /// Links other than ifbs that `linkKinds` reports (host veths for GC).
    var otherLinks: [String: String] = [:]
    var failAdding = false
    /// Groups host links with their ifb on ADD, as the kernel shaper does for egress.
    var groupsLinks = false
    var groups: [String: UInt32] = [:]
    var journal: [String] = []

    func addShaping(_ spec: ShapingSpec) throws -> LinkSnapshot? {
        journal.append("addShaping \(spec.hostLink)")
        if spec.limits.egress != nil { ifbs.insert(spec.ifb) }
        if failAdding { throw InjectedFault.failed("shaping") }
        shaped[spec.hostLink] = spec
        if groupsLinks && spec.limits.egress != nil { groups[spec.hostLink] = UInt32(groups.count + 1) }
        return spec.limits.egress == nil ? nil : LinkSnapshot(name: spec.ifb, kind: "ifb", mac: "02:00:00:00:00:99")
    }

    func removeShaping(_ spec: ShapingSpec) throws {
        journal.append("removeShaping \(spec.hostLink)")
        shaped[spec.hostLink] = nil
        ifbs.remove(spec.ifb)
    }

    func deleteIfb(named name: String) throws -> Bool {
        journal.append("deleteIfb \(name)")
        return ifbs.remove(name) != nil
    }

    func attachmentGroup(ofHostLink name: String) throws -> UInt32? { groups[name] }

    func deleteAttachmentGroup(_ group: UInt32) throws {
        journal.append("deleteAttachmentGroup \(group)")
        for (link, member) in groups where member == group {
            groups[link] = nil
            if let spec = shaped.removeValue(forKey: link) { ifbs.remove(spec.ifb) }
        }
    }

    func checkShaping(_ spec: ShapingSpec) throws -> [String] {
        shaped[spec.hostLink] == spec ? [] : ["shaping of \(spec.hostLink) differs"]
    }

    func linkKinds() throws -> [String: String] {
        otherLinks.merging(ifbs.map { ($0, "ifb") }) { first, _ in first }
    }
}
