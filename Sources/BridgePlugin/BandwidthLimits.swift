import CNIProtocol

/// Traffic shaping of one attachment: the `bandwidth` capability of the CNI conventions.
///
/// Read from `runtimeConfig.bandwidth` when the runtime sends it (Kubernetes turns the pod
/// annotations `kubernetes.io/ingress-bandwidth` and `egress-bandwidth` into it), otherwise from
/// the same four keys at the top level of the configuration, which the reference `bandwidth`
/// plugin also reads (it applies them whether or not `capabilities` declares `bandwidth`, and so
/// does nsbridge). Keys match case-insensitively, since containerd's CRI sends `IngressRate`.
///
/// Rates are in bits per second and bursts in bits. A direction whose rate and burst are both 0
/// or both absent is not shaped: containerd sends zeros for the direction a pod does not limit.
/// One without the other, a negative, fractional or non-numeric value, a rate below one byte per
/// second and a burst of 4 GiB or more are code 7, naming the key.
public struct BandwidthLimits: Equatable, Sendable {
    public struct Direction: Equatable, Sendable {
        public var rateBitsPerSecond: UInt64
        public var burstBits: UInt64

        public init(rateBitsPerSecond: UInt64, burstBits: UInt64) {
            self.rateBitsPerSecond = rateBitsPerSecond
            self.burstBits = burstBits
        }
    }

    /// Traffic towards the container.
    public var ingress: Direction?
    /// Traffic from the container.
    public var egress: Direction?

    public init(ingress: Direction? = nil, egress: Direction? = nil) {
        self.ingress = ingress
        self.egress = egress
    }

    /// The limits the configuration asks for, or nil when nothing is to be shaped.
    public init?(_ configuration: NetworkConfiguration) throws(CNIError) {
        let (members, prefix) = try Self.source(configuration)
        ingress = try Self.direction(members, prefix, rate: "ingressRate", burst: "ingressBurst")
        egress = try Self.direction(members, prefix, rate: "egressRate", burst: "egressBurst")
        if ingress == nil && egress == nil { return nil }
    }

    /// True when this network may have shaped an attachment: the capability is declared or a
    /// key is present. DEL removes an ifb only then, so networks without shaping pay nothing.
    public static func mayShape(_ configuration: NetworkConfiguration) -> Bool {
        if configuration.raw.member("capabilities")?["bandwidth"]?.boolValue == true { return true }
        if configuration.runtimeConfig.member("bandwidth") != nil { return true }
        return keyNames.contains { configuration.raw.member($0) != nil }
    }

    private static let keyNames = ["ingressRate", "ingressBurst", "egressRate", "egressBurst"]

    /// `runtimeConfig.bandwidth` wins over the top-level keys.
    private static func source(_ configuration: NetworkConfiguration) throws(CNIError) -> ([String: JSONValue], String) {
        guard let runtime = configuration.runtimeConfig.member("bandwidth"), !runtime.isNull else {
            return (configuration.raw, "")
        }
        guard let members = runtime.objectValue else {
            throw CNIError(.invalidNetworkConfig, "\"runtimeConfig.bandwidth\" must be an object, not \(runtime.typeName) \(runtime.serialized())")
        }
        return (members, "runtimeConfig.bandwidth.")
    }

    private static func direction(_ members: [String: JSONValue], _ prefix: String, rate: String, burst: String)
        throws(CNIError) -> Direction?
    {
        let rateValue = try amount(members, prefix + rate, rate)
        let burstValue = try amount(members, prefix + burst, burst)
        switch (rateValue, burstValue) {
        case (0, 0):
            return nil
        case (0, _):
            throw CNIError(.invalidNetworkConfig, "\"\(prefix + rate)\" must be set (bits per second) when \"\(prefix + burst)\" is")
        case (_, 0):
            throw CNIError(.invalidNetworkConfig, "\"\(prefix + burst)\" must be set (bits) when \"\(prefix + rate)\" is")
        default:
            guard rateValue >= 8 else {
                throw CNIError(.invalidNetworkConfig, "\"\(prefix + rate)\" \(rateValue) is below 8 bits (one byte) per second")
            }
            guard burstValue / 8 < UInt64(UInt32.max) else {
                throw CNIError(.invalidNetworkConfig, "\"\(prefix + burst)\" \(burstValue) is 4 GiB or more; the kernel counts the burst in 32 bits of bytes")
            }
            return Direction(rateBitsPerSecond: rateValue, burstBits: burstValue)
        }
    }

    /// A non-negative whole number; absent and null read as 0.
    private static func amount(_ members: [String: JSONValue], _ label: String, _ key: String) throws(CNIError) -> UInt64 {
        guard let value = members.member(key), !value.isNull else { return 0 }
        switch value {
        case .integer(let number) where number >= 0:
            return UInt64(number)
        case .integer, .double:
            throw CNIError(
                .invalidNetworkConfig,
                "\"\(label)\" \(value.serialized()) must be a whole number from 0 to \(Int64.max)")
        default:
            throw CNIError(.invalidNetworkConfig, "\"\(label)\" must be a number, not \(value.typeName) \(value.serialized())")
        }
    }
}
