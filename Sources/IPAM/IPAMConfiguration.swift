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
        let configuration = request.configuration
        guard let ipam = configuration.ipam else { throw .invalidConfiguration("the \"ipam\" object is missing") }
        var sets: [RangeSet] = []
        if let ipRanges = configuration.runtimeConfig.member("ipRanges"), !ipRanges.isNull {
            sets += try Self.rangeSets(ipRanges, "runtimeConfig.ipRanges")
        }
        if ipam.member("subnet").map({ !$0.isNull }) ?? false {
            sets.append(try RangeSet([try Self.range(.object(ipam), "ipam")]))
        }
        if let ranges = ipam.member("ranges"), !ranges.isNull { sets += try Self.rangeSets(ranges, "ipam.ranges") }
        guard !sets.isEmpty else { throw .invalidConfiguration("no IP ranges specified (\"ipam.ranges\" or \"ipam.subnet\")") }
        try Self.validate(sets, cniVersion: CNIVersion(configuration.cniVersionText))
        self.init(
            networkName: configuration.name,
            rangeSets: sets,
            routes: try Self.routes(ipam.member("routes")),
            dataDirectory: try Self.dataDirectory(ipam),
            resolvConfPath: try Self.string(ipam, "resolvConf"),
            requestedAddresses: try Self.requestedAddresses(request)
        )
    }

    /// `dataDir` must be absolute: a relative one would resolve against whatever directory the
    /// runtime happened to run the plugin in, so two runtimes would keep two sets of books.
    private static func dataDirectory(_ ipam: [String: JSONValue]) throws(IPAMError) -> String {
        guard let text = try string(ipam, "dataDir"), !text.isEmpty else { return defaultDataDirectory }
        guard text.hasPrefix("/") else {
            throw .invalidConfiguration("\"ipam.dataDir\" \"\(text)\" must be an absolute path")
        }
        return text
    }

    private static func validate(_ sets: [RangeSet], cniVersion: CNIVersion?) throws(IPAMError) {
        for (index, set) in sets.enumerated() {
            for later in (index + 1)..<sets.count where set.overlaps(sets[later]) {
                throw .invalidConfiguration("range set \(index) (\(set)) overlaps with range set \(later) (\(sets[later]))")
            }
        }
        let perFamily = Dictionary(grouping: sets, by: \.family)
        if let version = cniVersion, version < .v0_3_0, perFamily.values.contains(where: { $0.count > 1 }) {
            throw .invalidConfiguration("CNI version \(version) does not support more than one address per family")
        }
    }

    static func rangeSets(_ value: JSONValue, _ key: String) throws(IPAMError) -> [RangeSet] {
        guard let list = value.arrayValue else { throw .invalidConfiguration("\"\(key)\" must be a list of range sets") }
        var sets: [RangeSet] = []
        for (setIndex, item) in list.enumerated() {
            guard let ranges = item.arrayValue else {
                throw .invalidConfiguration("\"\(key)[\(setIndex)]\" must be a list of ranges")
            }
            var parsed: [AddressRange] = []
            for (rangeIndex, range) in ranges.enumerated() {
                parsed.append(try Self.range(range, "\(key)[\(setIndex)][\(rangeIndex)]"))
            }
            do { sets.append(try RangeSet(parsed)) } catch {
                throw .invalidConfiguration("\"\(key)[\(setIndex)]\": \(error.cniError.details)")
            }
        }
        return sets
    }

    static func range(_ value: JSONValue, _ key: String) throws(IPAMError) -> AddressRange {
        guard let members = value.objectValue else { throw .invalidConfiguration("\"\(key)\" must be an object") }
        guard let subnetText = try string(members, "subnet") else {
            throw .invalidConfiguration("\"\(key)\" has no \"subnet\"")
        }
        guard let subnet = IPNetwork(subnetText) else {
            throw .invalidConfiguration("\"\(key).subnet\": \"\(subnetText)\" is not a CIDR subnet")
        }
        do {
            return try AddressRange(subnet: subnet, rangeStart: try address(members, "rangeStart", key),
                                    rangeEnd: try address(members, "rangeEnd", key),
                                    gateway: try address(members, "gateway", key))
        } catch {
            throw .invalidConfiguration("\"\(key)\": \(error.cniError.details)")
        }
    }

    private static func address(_ members: [String: JSONValue], _ name: String, _ key: String) throws(IPAMError) -> IPAddress? {
        guard let text = try string(members, name), !text.isEmpty else { return nil }
        guard let address = IPAddress(text) else {
            throw .invalidConfiguration("\"\(key).\(name)\": \"\(text)\" is not an IP address")
        }
        return address
    }

    static func string(_ members: [String: JSONValue], _ key: String) throws(IPAMError) -> String? {
        guard let value = members.member(key), !value.isNull else { return nil }
        guard let text = value.stringValue else { throw .invalidConfiguration("\"\(key)\" must be a string, not \(value.typeName)") }
        return text
    }
}
