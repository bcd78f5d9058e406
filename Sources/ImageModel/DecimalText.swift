/// Fixed-point text for durations in reports (`0.21`): `String(format:)` is outside FoundationEssentials.
extension Double {
    /// The value rounded half away from zero to `places` decimals, as plain digits (`1.5.formatted(places: 2)` → `1.50`).
    public func formatted(places: Int) -> String {
        guard isFinite else { return "\(self)" }
        var scale = 1.0
        for _ in 0..<max(0, places) { scale *= 10 }
        let scaled = (abs(self) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9.0e18 else { return "\(self)" }
        let units = UInt64(scaled)
        let factor = UInt64(scale)
        let whole = units / factor
        var text = (self < 0 && units > 0 ? "-" : "") + String(whole)
        if places > 0 {
            let fraction = String(units % factor)
            text += "." + String(repeating: "0", count: places - fraction.count) + fraction
        }
        return text
    }
}
