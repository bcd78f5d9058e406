#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Keeps calls under the service's rate quota the way AWS enforces it: a token bucket that refills `perSecond`
/// tokens a second and holds at most `perSecond`, so a run may burst up to one second's worth of calls at once and
/// then proceeds at the sustained rate instead of being throttled.
struct RateLimiter {
    let perSecond: Int
    private var tokens: Double
    private var updated: Date?

    init(perSecond: Int) {
        self.perSecond = max(1, perSecond)
        self.tokens = Double(max(1, perSecond))
    }

    private func available(at now: Date) -> Double {
        guard let updated else { return tokens }
        return min(Double(perSecond), tokens + max(0, now.timeIntervalSince(updated)) * Double(perSecond))
    }

    func mayStart(at now: Date) -> Bool {
        available(at: now) >= 1
    }

    mutating func record(_ now: Date) {
        tokens = available(at: now) - 1
        updated = now
    }

    /// When the next start becomes possible, if the bucket is empty now.
    func nextStart(after now: Date) -> Date? {
        let have = available(at: now)
        guard have < 1 else { return nil }
        return now.addingTimeInterval((1 - have) / Double(perSecond))
    }
}
