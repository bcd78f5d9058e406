#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Whether and when a failed transfer is tried again: the attempt limit, the retry budget, the server's `Retry-After`
/// (clamped) or else the standard-mode backoff.
struct RetryDecider {
    /// The verdict on one failed attempt.
    enum Decision: Equatable {
        /// Try again after `delay` seconds; `cost` was taken from the budget.
        case retry(delay: TimeInterval, cost: Int)
        /// Give up; the reason's suffix (`after 3 attempt(s)`, `retry budget exhausted`).
        case giveUp(String)
    }

    let policy: RetryPolicy
    let budget: RetryBudget
    /// The jitter source, fixed in tests.
    var random: () -> Double = { Double.random(in: 0..<1) }

    init(policy: RetryPolicy, budget: RetryBudget = RetryBudget()) {
        self.policy = policy
        self.budget = budget
    }

    /// The longest `Retry-After` honoured: a server cannot park a run for longer than three maximal backoffs.
    var maxRetryAfter: TimeInterval { policy.maxDelay * 3 }

    func decide(attempts: Int, isTimeout: Bool, retryAfter: TimeInterval?) -> Decision {
        guard attempts < policy.maxAttempts else { return .giveUp("after \(attempts) attempt(s)") }
        guard let cost = budget.acquire(timeout: isTimeout) else { return .giveUp("retry budget exhausted") }
        let delay =
            retryAfter.map { min(max(0, $0), maxRetryAfter) }
            ?? policy.delay(afterAttempt: attempts, random: random())
        return .retry(delay: delay, cost: cost)
    }

    /// A transfer ended without asking for a retry: what its last retry cost goes back to the budget (a first-try
    /// answer earns one token).
    func ended(retryCost: Int?) {
        budget.release(retryCost)
    }
}
