/// The plugin configuration object from stdin.
///
/// The whole object is kept in ``raw``: unknown keys are never an error, and delegated plugins
/// and tests can read anything the runtime sent. The common keys are decoded into properties.
public struct NetworkConfiguration: Sendable {
    public var raw: [String: JSONValue]
    /// `cniVersion` as sent; a missing one means 0.1.0, as in the reference library.
    public var cniVersionText: String
    public var name: String
    public var type: String
    public var ipam: [String: JSONValue]?
    public var dns: DNS?
    /// `prevResult` as sent; see `prevResult` for the parsed model.
    public var prevResultJSON: JSONValue?
    public var runtimeConfig: [String: JSONValue]
    public var args: [String: JSONValue]
    /// GC's `cni.dev/valid-attachments` (or the legacy `cni.dev/attachments`); `nil` when absent.
    public var validAttachments: [Attachment]?

    /// Decodes the configuration. Errors: code 6 for malformed JSON, 7 for a missing or invalid
    /// `name` or a key of the wrong type.
    public init(parsing bytes: [UInt8]) throws(CNIError) {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: bytes)
        } catch {
            throw CNIError(.decodingFailure, "invalid JSON in the network configuration", details: error.description)
        }
        guard case .object(let members) = document else {
            throw CNIError(.decodingFailure, "the network configuration must be a JSON object, not \(document.typeName)")
        }
        try self.init(object: members)
    }

    public init(object members: [String: JSONValue]) throws(CNIError) {
        raw = members
        cniVersionText = try Self.string(members, "cniVersion") ?? "0.1.0"
        name = try Self.string(members, "name") ?? ""
        type = try Self.string(members, "type") ?? ""
        ipam = try Self.object(members, "ipam")
        dns = try members["dns"].map { value throws(CNIError) in try DNS(json: value, key: "dns") }
        prevResultJSON = members["prevResult"].flatMap { $0.isNull ? nil : $0 }
        runtimeConfig = try Self.object(members, "runtimeConfig") ?? [:]
        args = try Self.object(members, "args") ?? [:]
        validAttachments = try Self.attachments(members)
    }

    /// A string member; `nil` when absent or null, code 7 when of another type.
    static func string(_ members: [String: JSONValue], _ key: String) throws(CNIError) -> String? {
        guard let value = members[key], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw CNIError(.invalidNetworkConfig, "\"\(key)\" must be a string, not \(value.typeName)")
        }
        return text
    }

    static func object(_ members: [String: JSONValue], _ key: String) throws(CNIError) -> [String: JSONValue]? {
        guard let value = members[key], !value.isNull else { return nil }
        guard let object = value.objectValue else {
            throw CNIError(.invalidNetworkConfig, "\"\(key)\" must be an object, not \(value.typeName)")
        }
        return object
    }

    private static func attachments(_ members: [String: JSONValue]) throws(CNIError) -> [Attachment]? {
        for key in ["cni.dev/valid-attachments", "cni.dev/attachments"] {
            guard let value = members[key], !value.isNull else { continue }
            guard let list = value.arrayValue else {
                throw CNIError(.invalidNetworkConfig, "\"\(key)\" must be a list of {containerID, ifname}")
            }
            var attachments: [Attachment] = []
            for item in list {
                guard let id = item["containerID"]?.stringValue, let ifName = item["ifname"]?.stringValue else {
                    throw CNIError(.invalidNetworkConfig, "\"\(key)\": every entry needs string \"containerID\" and \"ifname\"")
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
    public init(json: JSONValue, key: String) throws(CNIError) {
        guard let members = json.objectValue else {
            throw CNIError(.invalidNetworkConfig, "\"\(key)\" must be an object, not \(json.typeName)")
        }
        func strings(_ name: String) throws(CNIError) -> [String] {
            guard let value = members[name], !value.isNull else { return [] }
            guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw CNIError(.invalidNetworkConfig, "\"\(key).\(name)\" must be a list of strings")
            }
            return list.compactMap(\.stringValue)
        }
        self.init(
            nameservers: try strings("nameservers"),
            domain: try NetworkConfiguration.string(members, "domain"),
            search: try strings("search"),
            options: try strings("options")
        )
    }
}
