// The ruleset model: plain values describing nftables objects. Nothing here touches libnftnl or a
// socket; `Batch` turns these values into netlink bytes.

/// An nftables address family. The corresponding kernel constants are `NFPROTO_*`.
public enum TableFamily: UInt8, Hashable, Sendable, CustomStringConvertible {
    case ipv4 = 2
    case inet = 1
    case bridge = 7
    case ipv6 = 10

    /// The spelling `nft` uses.
    public var description: String {
        switch self {
        case .ipv4: return "ip"
        case .inet: return "inet"
        case .bridge: return "bridge"
        case .ipv6: return "ip6"
        }
    }
}

/// A table, named within its family: `nft add table inet nsbridge`.
public struct Table: Hashable, Sendable, CustomStringConvertible {
    public var family: TableFamily
    public var name: String

    public init(family: TableFamily, name: String) {
        self.family = family
        self.name = name
    }

    public var description: String { "\(family) \(name)" }
}

/// A verdict, as in a rule's final statement or a verdict map's data.
public enum Verdict: Hashable, Sendable, CustomStringConvertible {
    case accept
    case drop
    case `return`
    case jump(String)
    case goto(String)

    /// The kernel's verdict code (`NF_ACCEPT`, `NF_DROP`, `NFT_RETURN`, `NFT_JUMP`, `NFT_GOTO`).
    var code: Int32 {
        switch self {
        case .accept: return 1
        case .drop: return 0
        case .return: return -5
        case .jump: return -3
        case .goto: return -4
        }
    }

    /// The chain a jump or goto targets.
    var chain: String? {
        switch self {
        case .jump(let chain), .goto(let chain): return chain
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .accept: return "accept"
        case .drop: return "drop"
        case .return: return "return"
        case .jump(let chain): return "jump \(chain)"
        case .goto(let chain): return "goto \(chain)"
        }
    }
}

/// A chain. A base chain is attached to a netfilter hook; a regular chain is only reachable by
/// jump or goto.
public struct Chain: Hashable, Sendable {
    /// The hook attachment of a base chain: `{ type nat hook postrouting priority 100; policy accept; }`.
    public struct Hook: Hashable, Sendable {
        /// The chain type: `filter`, `nat` or `route`.
        public var type: String
        /// The netfilter hook number (`NF_INET_*`; the bridge family reuses the same numbers).
        public var hook: UInt32
        public var priority: Int32
        public var policy: Verdict

        public init(type: String, hook: UInt32, priority: Int32, policy: Verdict = .accept) {
            self.type = type
            self.hook = hook
            self.priority = priority
            self.policy = policy
        }

        /// `type nat hook postrouting priority srcnat; policy accept;`
        public static let sourceNAT = Hook(type: "nat", hook: 4, priority: 100)
        /// `type filter hook prerouting priority -300; policy accept;` (the reference's spoof check).
        public static let bridgePrerouting = Hook(type: "filter", hook: 0, priority: -300)
        /// `type nat hook prerouting priority dstnat; policy accept;` (port mappings from outside).
        public static let destinationNAT = Hook(type: "nat", hook: 0, priority: -100)
        /// `type filter hook prerouting priority dstnat + 1; policy accept;` (sees DNATed destinations).
        public static let afterDestinationNAT = Hook(type: "filter", hook: 0, priority: -99)
        /// `type nat hook output priority dstnat; policy accept;` (port mappings from the host itself).
        public static let outputDestinationNAT = Hook(type: "nat", hook: 3, priority: -100)
    }

    public var table: Table
    public var name: String
    /// `nil` for a regular chain.
    public var hook: Hook?

    public init(table: Table, name: String, hook: Hook? = nil) {
        self.table = table
        self.name = name
        self.hook = hook
    }
}

/// A named set or verdict map.
public struct NamedSet: Hashable, Sendable {
    public var table: Table
    public var name: String
    public var key: SetKeyType
    /// `true` for a verdict map (`type K : verdict`), whose elements carry a verdict.
    public var isVerdictMap: Bool
    /// The data type of a data map (`type K : D`), whose elements carry `SetElement.data`.
    public var data: SetKeyType?

    public init(table: Table, name: String, key: SetKeyType, isVerdictMap: Bool = false, data: SetKeyType? = nil) {
        self.table = table
        self.name = name
        self.key = key
        self.isVerdictMap = isVerdictMap
        self.data = data
    }

    /// `map` for verdict and data maps, `set` otherwise.
    var kind: String { isVerdictMap || data != nil ? "map" : "set" }
}

/// The data type of a set key, as `nft` declares it (`type ipv4_addr`, `type ifname . ether_addr`).
public indirect enum SetKeyType: Hashable, Sendable, CustomStringConvertible {
    case ipv4Address
    case ipv6Address
    case interfaceName
    case etherAddress
    /// A layer 4 protocol number (`inet_proto`, 1 byte).
    case inetProtocol
    /// A port number in network order (`inet_service`, 2 bytes).
    case inetService
    case concatenation([SetKeyType])

    /// nft's datatype number; concatenations pack 6 bits per field, first field highest.
    var typeNumber: UInt32 {
        switch self {
        case .ipv4Address: return 7
        case .ipv6Address: return 8
        case .etherAddress: return 9
        case .interfaceName: return 41
        case .inetProtocol: return 12
        case .inetService: return 13
        case .concatenation(let fields): return fields.reduce(0) { $0 << 6 | $1.typeNumber }
        }
    }

    /// Bytes of one field as loaded into registers; a concatenation pads each field to 4 bytes.
    var byteLength: Int {
        switch self {
        case .ipv4Address: return 4
        case .ipv6Address: return 16
        case .etherAddress: return 6
        case .interfaceName: return 16
        case .inetProtocol: return 1
        case .inetService: return 2
        case .concatenation(let fields): return fields.reduce(0) { $0 + ($1.byteLength + 3) / 4 * 4 }
        }
    }

    public var description: String {
        switch self {
        case .ipv4Address: return "ipv4_addr"
        case .ipv6Address: return "ipv6_addr"
        case .etherAddress: return "ether_addr"
        case .interfaceName: return "ifname"
        case .inetProtocol: return "inet_proto"
        case .inetService: return "inet_service"
        case .concatenation(let fields): return fields.map(\.description).joined(separator: " . ")
        }
    }
}

/// One element of a set or verdict map, optionally with a comment stored in its userdata.
public struct SetElement: Hashable, Sendable {
    /// The key exactly as the kernel stores it (see `SetElement.key(...)` helpers).
    public var key: [UInt8]
    /// The verdict, for verdict-map elements.
    public var verdict: Verdict?
    public var comment: String?
    /// The data, for data-map elements, laid out like a key of the map's data type.
    public var data: [UInt8]?

    public init(key: [UInt8], verdict: Verdict? = nil, comment: String? = nil, data: [UInt8]? = nil) {
        self.key = key
        self.verdict = verdict
        self.comment = comment
        self.data = data
    }
}

/// A rule: expressions evaluated in order, with an optional comment in its userdata.
public struct Rule: Hashable, Sendable {
    public var chain: Chain
    public var expressions: [Expression]
    public var comment: String?

    public init(chain: Chain, expressions: [Expression], comment: String? = nil) {
        self.chain = chain
        self.expressions = expressions
        self.comment = comment
    }
}
