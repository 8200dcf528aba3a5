/// Parsing a result of any supported version into the 1.1.0 model: a `prevResult`, or what a
/// delegated plugin printed. Older shapes are lifted: `ip4`/`ip6` become `ips` and `routes`,
/// and `ips[].version` is dropped (the address says its family).
extension CNIResult {
    /// Parses `json` in the shape of its own `cniVersion`, or of `defaultVersion` when it has
    /// none (the reference library assumes the configuration's version for a `prevResult`).
    /// Unknown keys are ignored.
    /// - Throws: code 6 naming the offending member, or code 1 for an unsupported `cniVersion`.
    public init(parsing json: JSONValue, defaultVersion: CNIVersion) throws(CNIError) {
        let members = try ResultFields.object(json, at: "result")
        let version = try Self.version(of: members, default: defaultVersion)
        if version < .v0_3_0 {
            try self.init(legacy: members)
        } else {
            try self.init(current: members)
        }
        if let value = members.member("dns"), !value.isNull {
            do {
                dns = try DNS(json: value, key: "dns")
            } catch {
                throw CNIError(.decodingFailure, "invalid result: \(error.message)")
            }
        }
    }

    private static func version(of members: [String: JSONValue], default defaultVersion: CNIVersion) throws(CNIError) -> CNIVersion {
        guard let text = try ResultFields.string(members, "cniVersion", at: "result"), !text.isEmpty else {
            return defaultVersion
        }
        guard let version = CNIVersion.supported(exactly: text) else {
            throw CNIError(.incompatibleCNIVersion, "unsupported result version \"\(text)\"",
                           details: "supported versions: \(CNIVersion.supportedList)")
        }
        return version
    }

    /// The 0.3.0 … 1.1.0 shapes.
    private init(current members: [String: JSONValue]) throws(CNIError) {
        self.init()
        for (index, value) in try ResultFields.array(members, "interfaces", at: "result").enumerated() {
            interfaces.append(try Interface(json: value, at: "interfaces[\(index)]"))
        }
        for (index, value) in try ResultFields.array(members, "ips", at: "result").enumerated() {
            ips.append(try IPConfiguration(json: value, at: "ips[\(index)]"))
        }
        for (index, value) in try ResultFields.array(members, "routes", at: "result").enumerated() {
            routes.append(try Route(json: value, at: "routes[\(index)]"))
        }
    }

    /// The 0.1.0/0.2.0 shape.
    private init(legacy members: [String: JSONValue]) throws(CNIError) {
        self.init()
        for key in ["ip4", "ip6"] {
            guard let value = members.member(key), !value.isNull else { continue }
            let config = try ResultFields.object(value, at: key)
            guard let address = try ResultFields.network(config, "ip", at: key) else {
                throw ResultFields.failure(at: "\(key).ip", "is missing")
            }
            let gateway = try ResultFields.address(config, "gateway", at: key)
            ips.append(IPConfiguration(address: address, gateway: gateway))
            for (index, route) in try ResultFields.array(config, "routes", at: key).enumerated() {
                routes.append(try Route(json: route, at: "\(key).routes[\(index)]"))
            }
        }
    }
}

extension CNIResult.Interface {
    init(json: JSONValue, at path: String) throws(CNIError) {
        let members = try ResultFields.object(json, at: path)
        guard let name = try ResultFields.string(members, "name", at: path) else {
            throw ResultFields.failure(at: "\(path).name", "is missing")
        }
        self.init(
            name: name,
            mac: try ResultFields.string(members, "mac", at: path),
            sandbox: try ResultFields.string(members, "sandbox", at: path),
            mtu: try ResultFields.integer(members, "mtu", at: path),
            socketPath: try ResultFields.string(members, "socketPath", at: path),
            pciID: try ResultFields.string(members, "pciID", at: path)
        )
    }
}

extension CNIResult.IPConfiguration {
    init(json: JSONValue, at path: String) throws(CNIError) {
        let members = try ResultFields.object(json, at: path)
        guard let address = try ResultFields.network(members, "address", at: path) else {
            throw ResultFields.failure(at: "\(path).address", "is missing")
        }
        self.init(
            address: address,
            gateway: try ResultFields.address(members, "gateway", at: path),
            interface: try ResultFields.integer(members, "interface", at: path)
        )
    }
}

extension CNIResult.Route {
    init(json: JSONValue, at path: String) throws(CNIError) {
        let members = try ResultFields.object(json, at: path)
        guard let destination = try ResultFields.network(members, "dst", at: path) else {
            throw ResultFields.failure(at: "\(path).dst", "is missing")
        }
        self.init(
            destination: destination,
            gateway: try ResultFields.address(members, "gw", at: path),
            mtu: try Self.integer(members, "mtu", at: path),
            advmss: try Self.integer(members, "advmss", at: path),
            priority: try Self.integer(members, "priority", at: path),
            table: try Self.integer(members, "table", at: path),
            scope: try Self.integer(members, "scope", at: path)
        )
    }

    private static func integer(_ members: [String: JSONValue], _ key: String, at path: String) throws(CNIError) -> Int? {
        guard let number = try ResultFields.integer(members, key, at: path) else { return nil }
        let range = range(ofInteger: key)
        guard range.contains(number) else {
            throw ResultFields.failure(at: "\(path).\(key)", "\(number) is out of range \(range.lowerBound)–\(range.upperBound)")
        }
        return number
    }
}

/// Typed member access for result parsing; every failure is code 6 and names the member's path
/// (`ips[1].address`). Absent and `null` members read as `nil`.
enum ResultFields {
    static func failure(at path: String, _ problem: String) -> CNIError {
        CNIError(.decodingFailure, "invalid result: \(path) \(problem)")
    }

    static func object(_ value: JSONValue, at path: String) throws(CNIError) -> [String: JSONValue] {
        guard let members = value.objectValue else { throw failure(at: path, "must be an object, not \(value.typeName)") }
        return members
    }

    static func array(_ members: [String: JSONValue], _ key: String, at path: String) throws(CNIError) -> [JSONValue] {
        guard let value = members.member(key), !value.isNull else { return [] }
        guard let list = value.arrayValue else { throw failure(at: "\(path).\(key)", "must be a list, not \(value.typeName)") }
        return list
    }

    static func string(_ members: [String: JSONValue], _ key: String, at path: String) throws(CNIError) -> String? {
        guard let value = members.member(key), !value.isNull else { return nil }
        guard let text = value.stringValue else { throw failure(at: "\(path).\(key)", "must be a string, not \(value.typeName)") }
        return text
    }

    static func integer(_ members: [String: JSONValue], _ key: String, at path: String) throws(CNIError) -> Int? {
        guard let value = members.member(key), !value.isNull else { return nil }
        guard let number = value.integerValue else { throw failure(at: "\(path).\(key)", "must be an integer") }
        return number
    }

    /// An `address/prefix` member.
    static func network(_ members: [String: JSONValue], _ key: String, at path: String) throws(CNIError) -> IPNetwork? {
        guard let text = try string(members, key, at: path), !text.isEmpty else { return nil }
        guard let network = IPNetwork(text) else {
            throw failure(at: "\(path).\(key)", "\"\(text)\" is not an address with a prefix length")
        }
        return network
    }

    /// A bare address member; an empty string reads as absent, as in the reference library.
    static func address(_ members: [String: JSONValue], _ key: String, at path: String) throws(CNIError) -> IPAddress? {
        guard let text = try string(members, key, at: path), !text.isEmpty else { return nil }
        guard let address = IPAddress(text) else { throw failure(at: "\(path).\(key)", "\"\(text)\" is not an IP address") }
        return address
    }
}
