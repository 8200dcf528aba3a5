import BridgePlugin

/// Shaping state per host link, and the ifbs, in memory.
final class FakeTrafficShaper: TrafficShaper {
    var shaped: [String: ShapingSpec] = [:]
    var ifbs: Set<String> = []
    /// Links other than ifbs that `linkKinds` reports (host veths for GC).
    var otherLinks: [String: String] = [:]
    var failAdding = false
    var journal: [String] = []

    func addShaping(_ spec: ShapingSpec) throws -> LinkSnapshot? {
        journal.append("addShaping \(spec.hostLink)")
        if spec.limits.egress != nil { ifbs.insert(spec.ifb) }
        if failAdding { throw InjectedFault.failed("shaping") }
        shaped[spec.hostLink] = spec
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

    func checkShaping(_ spec: ShapingSpec) throws -> [String] {
        shaped[spec.hostLink] == spec ? [] : ["shaping of \(spec.hostLink) differs"]
    }

    func linkKinds() throws -> [String: String] {
        otherLinks.merging(ifbs.map { ($0, "ifb") }) { first, _ in first }
    }
}
