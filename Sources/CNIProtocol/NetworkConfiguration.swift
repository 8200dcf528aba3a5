/// The plugin configuration object from stdin.
///
/// The whole object is kept in ``raw``: unknown keys are never an error, and delegated plugins
/// and tests can read anything the runtime sent. The common keys are decoded into properties.
public struct NetworkConfiguration: Sendable {
    public var raw: [String: JSONValue]
    /// `cniVersion` as sent; a missing or empty one means 0.1.0, as in the reference library.
    /// Results and errors echo this exact spelling.
    public var cniVersionText: String
    /// The parsed `cniVersion`, always one of ``CNIVersion/supported``.
    public var cniVersion: CNIVersion
    public var name: String
    public var type: String
    public var ipam: [String: JSONValue]?
    public var dns: DNS?
    /// `prevResult` as sent; see `prevResult` for the parsed model.
    public var prevResultJSON: JSONValue?
    /// `prevResult` parsed from any supported version's shape into the 1.1.0 model; one without
    /// its own `cniVersion` is read in the configuration's version.
    public var prevResult: CNIResult?
    public var runtimeConfig: [String: JSONValue]
    public var args: [String: JSONValue]
    /// GC's `cni.dev/valid-attachments` (or the legacy `cni.dev/attachments`); `nil` when absent.
    public var validAttachments: [Attachment]?

    /// Decodes the configuration.
    ///
    /// The network `name` is not checked here, so tests and delegates can build partial
    /// configurations; ``validateName()`` does that, and the runner calls it for every verb but
    /// VERSION.
    /// - Throws: code 6 for malformed JSON or a non-string `cniVersion`; code 1 for a
    ///   `cniVersion` that is not exactly one of ``CNIVersion/supported``; code 7 for a key of
    ///   the wrong type or an unreadable `prevResult`.
    public init(parsing bytes: [UInt8]) throws(CNIError) {
        try self.init(object: Self.members(parsing: bytes))
    }

    /// The configuration's top-level object, before any key is decoded.
    /// - Throws: code 6 when `bytes` is not one JSON object.
    public static func members(parsing bytes: [UInt8]) throws(CNIError) -> [String: JSONValue] {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: bytes)
        } catch {
            throw CNIError(.decodingFailure, "invalid JSON in the network configuration", details: error.description)
        }
        guard let members = document.objectValue else {
            throw CNIError(.decodingFailure, "the network configuration must be a JSON object, not \(document.typeName)")
        }
        return members
    }

    /// Decodes an already parsed configuration object; see ``init(parsing:)``.
    public init(object members: [String: JSONValue]) throws(CNIError) {
        raw = members
        (cniVersionText, cniVersion) = try Self.version(members)
        let fields = JSONFields(members)
        name = try fields.string("name") ?? ""
        type = try fields.string("type") ?? ""
        ipam = try fields.value("ipam")
        dns = try fields.object("dns").map { dns throws(CNIError) in try DNS(fields: dns) }
        prevResultJSON = fields.present("prevResult")
        runtimeConfig = try fields.value("runtimeConfig") ?? [:]
        args = try fields.value("args") ?? [:]
        validAttachments = try Self.attachments(fields)
        prevResult = try Self.previousResult(prevResultJSON, version: cniVersion)
    }

    /// Checks the network `name` against the rule libcni applies (`^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`).
    /// - Throws: code 7 when it is missing or invalid.
    public func validateName() throws(CNIError) {
        guard !name.isEmpty else { throw CNIError(.invalidNetworkConfig, "missing network name") }
        guard PluginEnvironment.isIdentifier(name) else {
            throw CNIError(.invalidNetworkConfig, "invalid network name \"\(name)\"",
                           details: "a network name must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$")
        }
    }

    /// The version text to echo and its parsed value.
    static func version(_ members: [String: JSONValue]) throws(CNIError) -> (String, CNIVersion) {
        let text = try JSONFields(members, code: .decodingFailure).string("cniVersion") ?? ""
        if text.isEmpty { return ("0.1.0", .v0_1_0) }
        guard let version = CNIVersion.supported(exactly: text) else {
            throw CNIError(.incompatibleCNIVersion, "incompatible CNI versions",
                           details: "config is \"\(text)\", plugin supports [\(CNIVersion.supportedList)]")
        }
        return (text, version)
    }

    private static func previousResult(_ json: JSONValue?, version: CNIVersion) throws(CNIError) -> CNIResult? {
        guard let json else { return nil }
        do {
            return try CNIResult(parsing: json, defaultVersion: version)
        } catch {
            throw CNIError(.invalidNetworkConfig, "invalid prevResult", details: error.message)
        }
    }

    private static func attachments(_ fields: JSONFields) throws(CNIError) -> [Attachment]? {
        for key in ["cni.dev/valid-attachments", "cni.dev/attachments"] {
            guard fields.present(key) != nil else { continue }
            var attachments: [Attachment] = []
            for (index, item) in try fields.array(key).enumerated() {
                let entry = try fields.element(item, of: key, at: index)
                guard let id = try entry.string("containerID"), let ifName = try entry.string("ifname") else {
                    throw fields.failure(entry.path, "needs string \"containerID\" and \"ifname\"")
                }
                attachments.append(Attachment(containerID: id, ifName: ifName))
            }
            return attachments
        }
        return nil
    }
}

extension DNS {
    /// Decodes a `dns` object (`nameservers`, `domain`, `search`, `options`).
    public init(fields: JSONFields) throws(CNIError) {
        self.init(
            nameservers: try fields.strings("nameservers"),
            domain: try fields.string("domain"),
            search: try fields.strings("search"),
            options: try fields.strings("options")
        )
    }
}
