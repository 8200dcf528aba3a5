/// Result encoders, one per shape family. The model is the 1.1.0 shape; older shapes are
/// produced by leaving out what they cannot carry, never by a chain of converters.
///
/// | versions            | shape                                                            |
/// |---------------------|------------------------------------------------------------------|
/// | 0.1.0, 0.2.0        | `ip4`/`ip6` objects, first address of each family, no interfaces |
/// | 0.3.0, 0.3.1, 0.4.0 | `interfaces`, `ips` with `version`, `routes` with `dst`/`gw`     |
/// | 1.0.0               | as 0.4.0 without `ips[].version`                                 |
/// | 1.1.0               | 1.0.0 plus interface `mtu`/`socketPath`/`pciID` and route        |
/// |                     | `mtu`/`advmss`/`priority`/`table`/`scope`                        |
///
/// Empty lists and an empty `dns` are omitted, as the reference library does.
extension CNIResult {
    /// The result as JSON in the shape of `version`.
    /// - Parameters:
    ///   - version: selects the shape.
    ///   - versionText: the exact `cniVersion` string to print (the configuration's spelling).
    /// - Throws: code 1 when the result cannot be expressed in `version`: 0.1.0 and 0.2.0 need
    ///   at least one IP address, so an L2-only result has no 0.2.0 form.
    public func json(for version: CNIVersion, versionText: String) throws(CNIError) -> JSONValue {
        var members: [String: JSONValue]
        if version < .v0_3_0 {
            members = try legacyMembers(version: version)
        } else {
            members = currentMembers(version: version)
        }
        members["cniVersion"] = .string(versionText)
        if case .object(let dnsMembers) = dns.json, !dnsMembers.isEmpty { members["dns"] = dns.json }
        return .object(members)
    }

    /// The 0.3.0 … 1.1.0 shapes.
    private func currentMembers(version: CNIVersion) -> [String: JSONValue] {
        let full = version >= .v1_1_0
        var members: [String: JSONValue] = [:]
        if !interfaces.isEmpty { members["interfaces"] = .array(interfaces.map { $0.json(full: full) }) }
        if !ips.isEmpty { members["ips"] = .array(ips.map { $0.json(withVersion: version < .v1_0_0) }) }
        if !routes.isEmpty { members["routes"] = .array(routes.map { $0.json(full: full) }) }
        return members
    }

    /// The 0.1.0/0.2.0 shape: `ip4` and `ip6`, each with the first address of its family and
    /// the routes whose destination is of that family.
    private func legacyMembers(version: CNIVersion) throws(CNIError) -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        for family in IPFamily.allCases {
            guard let ip = ips.first(where: { $0.address.family == family }) else { continue }
            var config: [String: JSONValue] = ["ip": .string(ip.address.description)]
            if let gateway = ip.gateway { config["gateway"] = .string(gateway.description) }
            let familyRoutes = routes.filter { $0.destination.family == family }
            if !familyRoutes.isEmpty { config["routes"] = .array(familyRoutes.map { $0.json(full: false) }) }
            members[family == .v4 ? "ip4" : "ip6"] = .object(config)
        }
        try Self.requireExpressible(hasAddresses: !members.isEmpty, in: version)
        return members
    }

    /// Code 1 when a result with (or without) addresses has no form in `version`: 0.1.0 and
    /// 0.2.0 carry only `ip4`/`ip6`. A plugin calls this before its kernel work when it already
    /// knows it will have no addresses, so a refused ADD leaves nothing behind.
    public static func requireExpressible(hasAddresses: Bool, in version: CNIVersion) throws(CNIError) {
        guard version < .v0_3_0, !hasAddresses else { return }
        throw CNIError(.incompatibleCNIVersion, "a result without IP addresses cannot be expressed in CNI \(version)",
                       details: "CNI \(version) results carry only ip4/ip6; use cniVersion 0.3.0 or newer for L2-only networks")
    }
}

extension CNIResult.Interface {
    /// The 1.1.0-only fields appear when `full` is set.
    func json(full: Bool) -> JSONValue {
        var members: [String: JSONValue] = ["name": .string(name)]
        if let mac, !mac.isEmpty { members["mac"] = .string(mac) }
        if let sandbox, !sandbox.isEmpty { members["sandbox"] = .string(sandbox) }
        if full {
            if let mtu, mtu != 0 { members["mtu"] = .integer(Int64(mtu)) }
            if let socketPath, !socketPath.isEmpty { members["socketPath"] = .string(socketPath) }
            if let pciID, !pciID.isEmpty { members["pciID"] = .string(pciID) }
        }
        return .object(members)
    }
}

extension CNIResult.IPConfiguration {
    /// `version` ("4"/"6") is a 0.3.x/0.4.0 field, dropped in 1.0.0.
    func json(withVersion: Bool) -> JSONValue {
        var members: [String: JSONValue] = ["address": .string(address.description)]
        if let gateway { members["gateway"] = .string(gateway.description) }
        if let interface { members["interface"] = .integer(Int64(interface)) }
        if withVersion { members["version"] = .string(address.family == .v4 ? "4" : "6") }
        return .object(members)
    }
}

extension CNIResult.Route {
    /// The 1.1.0-only fields appear when `full` is set.
    func json(full: Bool) -> JSONValue {
        var members: [String: JSONValue] = ["dst": .string(destination.description)]
        if let gateway { members["gw"] = .string(gateway.description) }
        guard full else { return .object(members) }
        let optional: [(String, Int?)] = [
            ("mtu", mtu), ("advmss", advmss), ("priority", priority), ("table", table), ("scope", scope),
        ]
        for case let (key, value?) in optional { members[key] = .integer(Int64(value)) }
        return .object(members)
    }
}

extension DNS {
    /// The `dns` object, leaving out empty members.
    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if !nameservers.isEmpty { members["nameservers"] = .array(nameservers.map { .string($0) }) }
        if let domain, !domain.isEmpty { members["domain"] = .string(domain) }
        if !search.isEmpty { members["search"] = .array(search.map { .string($0) }) }
        if !options.isEmpty { members["options"] = .array(options.map { .string($0) }) }
        return .object(members)
    }
}
