import Foundation
import Testing

@testable import Registry

@Suite struct RetryPolicyTests {
    @Test func defaultsAreTheSDKStandardMode() {
        let policy = RetryPolicy()
        #expect(policy.maxAttempts == 3)
        #expect(policy.baseDelay == 1)
        #expect(policy.maxDelay == 20)
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    /// Full jitter: rand × min(base × 2^(attempt−1), cap).
    @Test(arguments: [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 16.0), (6, 20.0), (10, 20.0), (60, 20.0)])
    func ceilingDoublesUpToTheCap(attempt: Int, ceiling: Double) {
        let policy = RetryPolicy()
        #expect(policy.delay(afterAttempt: attempt, random: 0) == 0)
        #expect(abs(policy.delay(afterAttempt: attempt, random: 0.999_999) - ceiling * 0.999_999) < 1e-9)
        #expect(policy.delay(afterAttempt: attempt, random: 0.5) == ceiling / 2)
    }

    @Test func randomDelaysStayWithinBoundsAndAreJittered() {
        let policy = RetryPolicy()
        for attempt in 1...8 {
            let ceiling = min(pow(2, Double(attempt - 1)), 20)
            let samples = (0..<200).map { _ in policy.delay(afterAttempt: attempt) }
            #expect(samples.allSatisfy { $0 >= 0 && $0 < ceiling })
            #expect(Set(samples).count > 150, "full jitter spreads retries")
        }
    }

    @Test func budgetChargesRetriesMoreForTimeoutsAndRefundsSuccesses() {
        let budget = RetryBudget(tokens: 20)
        #expect(budget.acquire(timeout: false) == 5)
        #expect(budget.tokens == 15)
        #expect(budget.acquire(timeout: true) == 10)
        #expect(budget.tokens == 5)
        #expect(budget.acquire(timeout: true) == nil, "a timeout retry costs 10")
        #expect(budget.acquire(timeout: false) == 5)
        #expect(budget.acquire(timeout: false) == nil, "spent: no more retries")
        budget.release(10)
        #expect(budget.tokens == 10, "a successful retry refunds its cost")
        budget.release(nil)
        #expect(budget.tokens == 11, "a first-try success refunds 1")
    }

    @Test func budgetNeverExceedsItsCapacity() {
        let budget = RetryBudget()
        #expect(budget.tokens == 500)
        for _ in 0..<10 { budget.release(5) }
        #expect(budget.tokens == 500)
        var granted = 0
        while budget.acquire(timeout: false) != nil { granted += 1 }
        #expect(granted == 100, "500 tokens at 5 per retry")
    }

    @Test func rateLimiterBurstsOneSecondThenHoldsTheRate() {
        var limiter = RateLimiter(perSecond: 3)
        let start = Date()
        for _ in 0..<3 {
            #expect(limiter.mayStart(at: start))
            limiter.record(start)
        }
        #expect(!limiter.mayStart(at: start))
        let next = limiter.nextStart(after: start)
        #expect(next.map { abs($0.timeIntervalSince(start) - 1.0 / 3) < 0.001 } == true)
        // Sustained: over ten simulated seconds, never more than the burst plus the rate.
        var now = start
        var started = 3
        while now < start.addingTimeInterval(10) {
            now = now.addingTimeInterval(0.01)
            if limiter.mayStart(at: now) {
                limiter.record(now)
                started += 1
            }
        }
        #expect(started <= 3 + 30 + 1)
        #expect(started >= 30)
    }
}
