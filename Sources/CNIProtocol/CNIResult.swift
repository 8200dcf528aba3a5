/// The result of ADD, held in the newest (1.1.0) shape. Encoders for each older version family
/// live in `CNIResult+Encoding.swift`; parsing of any version in `CNIResult+Parsing.swift`.
public struct CNIResult: Equatable, Sendable {
    public var interfaces: [Interface]
    public var ips: [IPConfiguration]
    public var routes: [Route]
    public var dns: DNS

    public init(interfaces: [Interface] = [], ips: [IPConfiguration] = [], routes: [Route] = [], dns: DNS = DNS()) {
        self.interfaces = interfaces
        self.ips = ips
        self.routes = routes
        self.dns = dns
    }

    /// An interface the attachment created. `sandbox` is the netns path for in-container ones.
    public struct Interface: Equatable, Sendable {
        public var name: String
        public var mac: String?
        public var sandbox: String?
        public var mtu: Int?
        public var socketPath: String?
        public var pciID: String?

        public init(name: String, mac: String? = nil, sandbox: String? = nil, mtu: Int? = nil,
                    socketPath: String? = nil, pciID: String? = nil) {
            self.name = name
            self.mac = mac
            self.sandbox = sandbox
            self.mtu = mtu
            self.socketPath = socketPath
            self.pciID = pciID
        }
    }

    /// An address given to an interface (`address` carries the subnet's prefix length).
    public struct IPConfiguration: Equatable, Sendable {
        public var address: IPNetwork
        public var gateway: IPAddress?
        /// Index into `interfaces`.
        public var interface: Int?

        public init(address: IPNetwork, gateway: IPAddress? = nil, interface: Int? = nil) {
            self.address = address
            self.gateway = gateway
            self.interface = interface
        }
    }

    /// A route; the 1.1.0 fields are `nil` when not set.
    public struct Route: Equatable, Sendable {
        public var destination: IPNetwork
        public var gateway: IPAddress?
        public var mtu: Int?
        public var advmss: Int?
        public var priority: Int?
        public var table: Int?
        public var scope: Int?

        public init(destination: IPNetwork, gateway: IPAddress? = nil, mtu: Int? = nil, advmss: Int? = nil,
                    priority: Int? = nil, table: Int? = nil, scope: Int? = nil) {
            self.destination = destination
            self.gateway = gateway
            self.mtu = mtu
            self.advmss = advmss
            self.priority = priority
            self.table = table
            self.scope = scope
        }
    }
}

/// DNS settings for the container.
public struct DNS: Equatable, Sendable {
    public var nameservers: [String]
    public var domain: String?
    public var search: [String]
    public var options: [String]

    public init(nameservers: [String] = [], domain: String? = nil, search: [String] = [], options: [String] = []) {
        self.nameservers = nameservers
        self.domain = domain
        self.search = search
        self.options = options
    }

    public var isEmpty: Bool { nameservers.isEmpty && domain == nil && search.isEmpty && options.isEmpty }
}
