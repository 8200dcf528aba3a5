/// Parsing a result of any supported version into the 1.1.0 model: a `prevResult`, or what a
/// delegated plugin printed. Older shapes are lifted: `ip4`/`ip6` become `ips` and `routes`,
/// and `ips[].version` is dropped (the address says its family).
extension CNIResult {
    /// Parses `json` in the shape of its own `cniVersion`, or of `defaultVersion` when it has
    /// none (the reference library assumes the configuration's version for a `prevResult`).
    /// Unknown keys are ignored.
    /// - Throws: code 6 naming the offending member, or code 1 for an unsupported `cniVersion`.
    public init(parsing json: JSONValue, defaultVersion: CNIVersion) throws(CNIError) {
        let fields = try JSONFields(json, at: "result", code: .decodingFailure, context: "invalid result: ")
        let members = JSONFields(fields.members, code: fields.code, context: fields.context)
        let version = try Self.version(of: members, default: defaultVersion)
        if version < .v0_3_0 {
            try self.init(legacy: members)
        } else {
            try self.init(current: members)
        }
        if let fields = try members.object("dns") { dns = try DNS(fields: fields) }
    }

    private static func version(of fields: JSONFields, default defaultVersion: CNIVersion) throws(CNIError) -> CNIVersion {
        guard let text = try fields.string("cniVersion"), !text.isEmpty else { return defaultVersion }
        guard let version = CNIVersion.supported(exactly: text) else {
            throw CNIError(.incompatibleCNIVersion, "unsupported result version \"\(text)\"",
                           details: "supported versions: \(CNIVersion.supportedList)")
        }
        return version
    }

    /// The 0.3.0 … 1.1.0 shapes.
    private init(current fields: JSONFields) throws(CNIError) {
        self.init()
        for (index, value) in try fields.array("interfaces").enumerated() {
            interfaces.append(try Interface(fields: fields.element(value, of: "interfaces", at: index)))
        }
        for (index, value) in try fields.array("ips").enumerated() {
            ips.append(try IPConfiguration(fields: fields.element(value, of: "ips", at: index)))
        }
        for (index, value) in try fields.array("routes").enumerated() {
            routes.append(try Route(fields: fields.element(value, of: "routes", at: index)))
        }
    }

    /// The 0.1.0/0.2.0 shape.
    private init(legacy fields: JSONFields) throws(CNIError) {
        self.init()
        for key in ["ip4", "ip6"] {
            guard let config = try fields.object(key) else { continue }
            guard let address = try config.network("ip") else { throw config.failure(config.label("ip"), "is missing") }
            ips.append(IPConfiguration(address: address, gateway: try config.address("gateway")))
            for (index, route) in try config.array("routes").enumerated() {
                routes.append(try Route(fields: config.element(route, of: "routes", at: index)))
            }
        }
    }
}

extension CNIResult.Interface {
    init(fields: JSONFields) throws(CNIError) {
        guard let name = try fields.string("name") else { throw fields.failure(fields.label("name"), "is missing") }
        self.init(
            name: name,
            mac: try fields.string("mac"),
            sandbox: try fields.string("sandbox"),
            mtu: try fields.value("mtu"),
            socketPath: try fields.string("socketPath"),
            pciID: try fields.string("pciID")
        )
    }
}

extension CNIResult.IPConfiguration {
    init(fields: JSONFields) throws(CNIError) {
        guard let address = try fields.network("address") else { throw fields.failure(fields.label("address"), "is missing") }
        self.init(address: address, gateway: try fields.address("gateway"), interface: try fields.value("interface"))
    }
}

extension CNIResult.Route {
    /// Decodes a route of a result or of `ipam.routes`: `dst` (required), `gw`, and the 1.1.0
    /// integers, each range-checked against what the kernel stores.
    public init(fields: JSONFields) throws(CNIError) {
        guard let destination = try fields.network("dst") else { throw fields.failure(fields.label("dst"), "is missing") }
        func integer(_ key: String) throws(CNIError) -> Int? { try fields.integer(key, in: Self.range(ofInteger: key)) }
        self.init(
            destination: destination,
            gateway: try fields.address("gw"),
            mtu: try integer("mtu"),
            advmss: try integer("advmss"),
            priority: try integer("priority"),
            table: try integer("table"),
            scope: try integer("scope")
        )
    }
}
