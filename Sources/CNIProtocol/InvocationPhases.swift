/// The phases of one plugin invocation that the invocation log times.
///
/// Lower layers mark their kernel and file work with ``InvocationPhases/measure(_:_:)``; nothing
/// is measured, and nothing is allocated, unless an observer is installed (the log does so only
/// when it is switched on). Phases may nest (`lockWait` happens inside `ipam`) and may run on
/// several threads at once (DEL removes links and firewall state side by side), so their sum can
/// exceed the invocation's wall time.
public enum InvocationPhase: String, CaseIterable, Sendable {
    case configParse
    case lockWait
    case ipam
    case netlink
    case nftables
    case tc
}

/// Receives the start and end of every measured phase. Implementations must be thread-safe.
public protocol InvocationObserver: AnyObject, Sendable {
    func begin(_ phase: InvocationPhase) -> UInt64
    func end(_ phase: InvocationPhase, startedAt start: UInt64)
}

public enum InvocationPhases {
    /// Set once by the executable before the plugin runs, read by every measured call.
    nonisolated(unsafe) public static var observer: (any InvocationObserver)?

    /// Runs `body`, reporting its duration to the observer when there is one.
    @inline(__always)
    public static func measure<T, E: Error>(_ phase: InvocationPhase, _ body: () throws(E) -> T) throws(E) -> T {
        guard let observer else { return try body() }
        let start = observer.begin(phase)
        defer { observer.end(phase, startedAt: start) }
        return try body()
    }
}
