extension CNIResult.Route {
    /// The values the kernel can hold for a route's integer member (`scope` is 8 bits, `mtu`,
    /// `advmss`, `priority` and `table` 32), so every decoder refuses what would otherwise be
    /// clamped silently into another route.
    public static func range(ofInteger key: String) -> ClosedRange<Int> {
        key == "scope" ? 0...Int(UInt8.max) : 0...Int(UInt32.max)
    }
}
