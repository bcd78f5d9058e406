import Checking

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a way of asking (signed API batches, registry HEADs) supplies to the shared transfer queue: it turns work into
/// HTTP transfers and finished transfers into answers, while the queue alone owns concurrency, rate, retries with their
/// budget and backoff, and the run's deadline — so both ways behave alike under load and failure.
protocol TransferDriver: AnyObject {
    /// Called once, when the first work arrives; a failure ends every batch, including later ones, with it.
    func start() -> BatchFailure?
    /// Takes one batch from the stream and returns the transfers (driver-chosen ids) to run for it now.
    func accept(_ batch: LayerBatch) -> [Int]
    /// Ends a batch that arrives after the queue stopped (no credentials, deadline passed).
    func reject(_ batch: LayerBatch, _ failure: BatchFailure)
    /// Once per pass, before transfers start (e.g. refreshing credentials that expire soon).
    func tick(now: Date, hasReadyWork: Bool)
    /// The request to send for a transfer (each attempt asks again, so a resend carries fresh credentials or token).
    func makeTransfer(_ id: Int) throws -> HTTPRequest
    /// Whether this transfer spends a token of the rate limiter.
    func isRateLimited(_ id: Int) -> Bool
    /// A transfer finished (an HTTP answer or a classified transport failure); says what happens next.
    func finished(_ id: Int, result: TransferResult, attempt: Int, elapsedMs: Int) -> TransferStep
    /// A transfer ends without an answer: retries exhausted, deadline, or it could not start.
    func failed(_ id: Int, _ failure: BatchFailure)
    /// Every batch's answer once the queue has drained.
    func answers() -> [BatchAnswer]
}

/// The driver's decision about a finished transfer.
enum TransferStep {
    /// Done; `then` are further transfers to run now (released by this one, e.g. HEADs waiting for a token).
    case done(then: [Int])
    /// Try again after a backoff (the server's `Retry-After` when it gave one), within the attempt limit and budget.
    case retry(String, isTimeout: Bool, retryAfter: TimeInterval?)
    /// Send again at once (fresh credentials or token); `then` as for `done`.
    case resend(then: [Int])
}
