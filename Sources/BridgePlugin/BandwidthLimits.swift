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
        let fields = try Self.source(configuration)
        ingress = try Self.direction(fields, rate: "ingressRate", burst: "ingressBurst")
        egress = try Self.direction(fields, rate: "egressRate", burst: "egressBurst")
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
    private static func source(_ configuration: NetworkConfiguration) throws(CNIError) -> JSONFields {
        let runtime = try JSONFields(configuration.runtimeConfig, at: "runtimeConfig").object("bandwidth")
        return runtime ?? JSONFields(configuration.raw)
    }

    private static func direction(_ fields: JSONFields, rate: String, burst: String) throws(CNIError) -> Direction? {
        let rateValue = try amount(fields, rate)
        let burstValue = try amount(fields, burst)
        let rateLabel = fields.label(rate), burstLabel = fields.label(burst)
        switch (rateValue, burstValue) {
        case (0, 0):
            return nil
        case (0, _):
            throw fields.failure(rateLabel, "must be set (bits per second) when \"\(burstLabel)\" is")
        case (_, 0):
            throw fields.failure(burstLabel, "must be set (bits) when \"\(rateLabel)\" is")
        default:
            guard rateValue >= 8 else { throw fields.failure(rateLabel, "\(rateValue) is below 8 bits (one byte) per second") }
            guard burstValue / 8 < UInt64(UInt32.max) else {
                throw fields.failure(burstLabel, "\(burstValue) is 4 GiB or more; the kernel counts the burst in 32 bits of bytes")
            }
            return Direction(rateBitsPerSecond: rateValue, burstBits: burstValue)
        }
    }

    /// A non-negative whole number; absent and null read as 0.
    private static func amount(_ fields: JSONFields, _ key: String) throws(CNIError) -> UInt64 {
        guard let value = fields.present(key) else { return 0 }
        guard case .integer(let number) = value, number >= 0 else {
            throw fields.wrongType(key, expected: "a whole number from 0 to \(Int64.max)", value)
        }
        return UInt64(number)
    }
}
