/// The parameters of a token-bucket qdisc (`tbf`), in the units the kernel keeps.
///
/// `tc qdisc add dev <dev> root tbf rate <rate> burst <burst> limit <limit>` sets the same three
/// numbers. The kernel stores the bucket size as the time it takes to send `burstBytes` at the
/// rate, in packet-scheduler ticks; a dump reports that time, not the burst, so readings compare
/// through ``isEquivalent(to:)``.
public struct TokenBucket: Equatable, Sendable {
    /// Bytes per second. Rates of 2³² bytes/s and more travel in `TCA_TBF_RATE64`.
    public var rateBytesPerSecond: UInt64
    /// The bucket size: how many bytes may leave back to back at line rate.
    public var burstBytes: UInt32
    /// How many bytes may wait in the queue before packets are dropped.
    public var limitBytes: UInt32

    public init(rateBytesPerSecond: UInt64, burstBytes: UInt32, limitBytes: UInt32) {
        self.rateBytesPerSecond = rateBytesPerSecond
        self.burstBytes = burstBytes
        self.limitBytes = limitBytes
    }

    /// One packet-scheduler tick is 2⁶ = 64 ns: the kernel's `PSCHED_SHIFT` (the `0x3e8 0x40`
    /// pair in `/proc/net/psched`), fixed since Linux 2.6.31, so it is not read at run time.
    static let nanosecondsPerTick: UInt64 = 64

    /// The time to send `burstBytes` at the rate, in ticks (`tc_tbf_qopt.buffer`).
    public var bufferTicks: UInt32 {
        guard rateBytesPerSecond > 0 else { return 0 }
        let nanoseconds = UInt64(burstBytes) * 1_000_000_000 / rateBytesPerSecond
        return UInt32(clamping: nanoseconds / Self.nanosecondsPerTick)
    }

    /// True when a bucket read back from the kernel has this rate and limit, and a buffer time
    /// within rounding of this burst: the kernel converts the burst to nanoseconds with its own
    /// fixed-point arithmetic, so a tick or a few thousandths may differ.
    public func isEquivalent(to reading: TokenBucketReading) -> Bool {
        let expected = Int64(bufferTicks)
        let tolerance = max(2, expected / 500)
        return reading.rateBytesPerSecond == rateBytesPerSecond && reading.limitBytes == limitBytes
            && abs(Int64(reading.bufferTicks) - expected) <= tolerance
    }
}

/// A `tbf` qdisc as a dump reports it.
public struct TokenBucketReading: Equatable, Sendable {
    public var rateBytesPerSecond: UInt64
    public var limitBytes: UInt32
    public var bufferTicks: UInt32

    public init(rateBytesPerSecond: UInt64, limitBytes: UInt32, bufferTicks: UInt32) {
        self.rateBytesPerSecond = rateBytesPerSecond
        self.limitBytes = limitBytes
        self.bufferTicks = bufferTicks
    }

    /// The burst the buffer time stands for, in bytes (rounded down).
    public var burstBytes: UInt64 {
        UInt64(bufferTicks) * TokenBucket.nanosecondsPerTick * rateBytesPerSecond / 1_000_000_000
    }
}

/// A qdisc as the kernel reports it for one attachment point of a device.
public struct QdiscInfo: Equatable, Sendable {
    /// `tbf`, `ingress`, `noqueue`, `fq_codel`...
    public var kind: String
    public var handle: UInt32
    public var parent: UInt32
    /// The token-bucket parameters, for a `tbf`.
    public var tokenBucket: TokenBucketReading?
}

/// Where a qdisc hangs on a device.
public enum QdiscAttachment: Sendable {
    /// The egress root (`tc qdisc ... root`), shaping what the device sends.
    case root
    /// The ingress hook (`tc qdisc ... ingress`, handle `ffff:`), where received traffic can be
    /// classified and redirected.
    case ingress
}
