import CNIProtocol

/// The settings of the built-in `host-local`-compatible IPAM, decoded from a plugin request.
///
/// Sources, as the reference reads them: the `ipam` object (`ranges`, the deprecated top-level
/// `subnet`/`rangeStart`/`rangeEnd`/`gateway` prepended as the first range set, `routes`,
/// `dataDir`, `resolvConf`), then `runtimeConfig.ipRanges` (prepended before everything),
/// and the requested addresses from `CNI_ARGS` `IP=`, `args.cni.ips` and `runtimeConfig.ips`.
public struct IPAMConfiguration: Equatable, Sendable {
    /// The default state root, shared with the reference plugin.
    public static let defaultDataDirectory = "/var/lib/cni/networks"

    /// The network name (the top-level `name`); also the state subdirectory's name.
    public var networkName: String
    public var rangeSets: [RangeSet]
    public var routes: [CNIResult.Route]
    public var dataDirectory: String
    /// A resolv.conf-style file whose contents become the result's `dns`; `nil` for none.
    public var resolvConfPath: String?
    /// Specific addresses asked for, in order, without duplicates (Podman repeats them).
    public var requestedAddresses: [IPAddress]

    public init(networkName: String, rangeSets: [RangeSet], routes: [CNIResult.Route] = [],
                dataDirectory: String = IPAMConfiguration.defaultDataDirectory, resolvConfPath: String? = nil,
                requestedAddresses: [IPAddress] = [])
    {
        self.networkName = networkName
        self.rangeSets = rangeSets
        self.routes = routes
        self.dataDirectory = dataDirectory
        self.resolvConfPath = resolvConfPath
        self.requestedAddresses = requestedAddresses
    }

    /// Decodes and validates the configuration of `request`.
    /// - Throws: ``IPAMError/invalidConfiguration(_:)`` (code 7) naming the offending value.
    public init(request: PluginRequest) throws(IPAMError) {
        do {
            try self.init(decoding: request)
        } catch {
            throw .invalidConfiguration(error.message)
        }
    }

    private init(decoding request: PluginRequest) throws(CNIError) {
        let configuration = request.configuration
        guard let members = configuration.ipam else { throw CNIError(.invalidNetworkConfig, "the \"ipam\" object is missing") }
        let ipam = JSONFields(members, at: "ipam")
        let runtime = JSONFields(configuration.runtimeConfig, at: "runtimeConfig")
        var sets: [RangeSet] = []
        if runtime.present("ipRanges") != nil { sets += try Self.rangeSets(runtime, "ipRanges") }
        if ipam.present("subnet") != nil { sets.append(try Self.rangeSet([Self.range(ipam)], at: "ipam")) }
        if ipam.present("ranges") != nil { sets += try Self.rangeSets(ipam, "ranges") }
        guard !sets.isEmpty else {
            throw CNIError(.invalidNetworkConfig, "no IP ranges specified (\"ipam.ranges\" or \"ipam.subnet\")")
        }
        try Self.validate(sets, cniVersion: CNIVersion(configuration.cniVersionText))
        var routes: [CNIResult.Route] = []
        for (index, item) in try ipam.array("routes").enumerated() {
            routes.append(try CNIResult.Route(fields: ipam.element(item, of: "routes", at: index)))
        }
        self.init(
            networkName: configuration.name,
            rangeSets: sets,
            routes: routes,
            dataDirectory: try Self.dataDirectory(ipam),
            resolvConfPath: try ipam.string("resolvConf"),
            requestedAddresses: try Self.requestedAddresses(request)
        )
    }

    /// `dataDir` must be absolute: a relative one would resolve against whatever directory the
    /// runtime happened to run the plugin in, so two runtimes would keep two sets of books.
    private static func dataDirectory(_ ipam: JSONFields) throws(CNIError) -> String {
        guard let text = try ipam.string("dataDir"), !text.isEmpty else { return defaultDataDirectory }
        guard text.hasPrefix("/") else { throw ipam.failure(ipam.label("dataDir"), "\"\(text)\" must be an absolute path") }
        return text
    }

    private static func validate(_ sets: [RangeSet], cniVersion: CNIVersion?) throws(CNIError) {
        for (index, set) in sets.enumerated() {
            for later in (index + 1)..<sets.count where set.overlaps(sets[later]) {
                throw CNIError(.invalidNetworkConfig, "range set \(index) (\(set)) overlaps with range set \(later) (\(sets[later]))")
            }
        }
        let perFamily = Dictionary(grouping: sets, by: \.family)
        if let version = cniVersion, version < .v0_3_0, perFamily.values.contains(where: { $0.count > 1 }) {
            throw CNIError(.invalidNetworkConfig, "CNI version \(version) does not support more than one address per family")
        }
    }

    /// A list of range sets, each a list of ranges.
    private static func rangeSets(_ fields: JSONFields, _ key: String) throws(CNIError) -> [RangeSet] {
        var sets: [RangeSet] = []
        for (setIndex, item) in (try fields.value(key, as: [JSONValue].self, expecting: "a list of range sets") ?? []).enumerated() {
            let setLabel = "\(fields.label(key))[\(setIndex)]"
            guard let ranges = item.arrayValue else { throw fields.failure(setLabel, "must be a list of ranges") }
            var parsed: [AddressRange] = []
            for (rangeIndex, range) in ranges.enumerated() {
                parsed.append(try Self.range(JSONFields(range, at: "\(setLabel)[\(rangeIndex)]")))
            }
            sets.append(try rangeSet(parsed, at: setLabel))
        }
        return sets
    }

    private static func rangeSet(_ ranges: [AddressRange], at label: String) throws(CNIError) -> RangeSet {
        do { return try RangeSet(ranges) } catch { throw CNIError(.invalidNetworkConfig, "\"\(label)\": \(error.cniError.details)") }
    }

    /// One range: `subnet` (required), `rangeStart`, `rangeEnd`, `gateway`.
    private static func range(_ fields: JSONFields) throws(CNIError) -> AddressRange {
        guard let subnet = try fields.network("subnet") else { throw fields.failure(fields.path, "has no \"subnet\"") }
        let rangeStart = try fields.address("rangeStart"), rangeEnd = try fields.address("rangeEnd")
        let gateway = try fields.address("gateway")
        do {
            return try AddressRange(subnet: subnet, rangeStart: rangeStart, rangeEnd: rangeEnd, gateway: gateway)
        } catch {
            throw fields.failure(fields.path, error.cniError.details)
        }
    }
}
