import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The API way on the shared transfer queue: one signed `BatchCheckLayerAvailability` per batch, with credentials
/// resolved at the first batch and refreshed when they expire — the parts of a run only the API way has.
final class APIDriver: TransferDriver {
    private let client: ECRPublicClient
    /// The id the next batch gets (ids count up from 0, in the order batches were accepted).
    private var nextID = 0
    /// Batches not yet answered, and those whose answer is kept for `answers()`; one whose answer went to `deliver` is
    /// let go then, so a streaming run holds the batches in flight, not every batch it sent.
    private var batches: [Int: LayerBatch] = [:]
    private var results: [Int: BatchAnswer] = [:]
    /// Batches and answers held now (for tests: a streaming run's should not grow with the batches it sent).
    var heldCount: Int { batches.count + results.count + sentWith.count }
    /// Takes each answer as soon as it is final; nil keeps them all for `answers()`.
    var deliver: ((BatchAnswer) -> Void)?
    private var current: Credentials?
    /// Bumped whenever the key material changes, so a batch rejected with the old keys is simply resent.
    private var generation = 0
    private var sentWith: [Int: Int] = [:]
    private var resentAfterExpiry = Set<Int>()
    private var forcedRefreshes = 0
    private var nextRefreshCheck = Date.distantPast
    private var loggedHeaders = false

    init(client: ECRPublicClient) {
        self.client = client
    }

    private var log: HTTPLog { client.log }

    func start() -> BatchFailure? {
        do {
            let resolved = try client.credentials.resolve()
            current = resolved
            log.note("credentials from \(resolved.source) (\(Redactor.maskAccessKey(resolved.accessKeyId)))")
            return nil
        } catch {
            return ECRPublicClient.credentialFailure(error)
        }
    }

    func accept(_ batch: LayerBatch) -> [Int] {
        [add(batch)]
    }

    func reject(_ batch: LayerBatch, _ failure: BatchFailure) {
        settle(add(batch), BatchAnswer(batch: batch, failure: failure))
    }

    private func add(_ batch: LayerBatch) -> Int {
        let id = nextID
        nextID += 1
        batches[id] = batch
        return id
    }

    /// A batch's final answer: handed over at once when someone takes answers as they come, else kept.
    private func settle(_ id: Int, _ answer: BatchAnswer) {
        guard let deliver else {
            results[id] = answer
            return
        }
        deliver(answer)
        batches[id] = nil
        sentWith[id] = nil
        resentAfterExpiry.remove(id)
    }

    func tick(now: Date, hasReadyWork: Bool) {
        // Temporary credentials nearing expiry are refreshed between calls (the chain throttles and keeps valid ones on failure).
        guard hasReadyWork, let resolved = current, resolved.expiresSoon(now: now), now >= nextRefreshCheck else {
            return
        }
        nextRefreshCheck = now.addingTimeInterval(1)
        if let refreshed = try? client.credentials.resolve(), !refreshed.sameKeys(as: resolved) {
            current = refreshed
            generation += 1
        }
    }

    func makeTransfer(_ id: Int) throws -> HTTPRequest {
        guard let credentials = current else { throw TransferSetupError(message: "no credentials") }
        guard let batch = batches[id] else { throw TransferSetupError(message: "no batch \(id)") }
        let request = client.request(for: batch, credentials: credentials)
        if !loggedHeaders {
            log.headers(request.headerLines, context: ECRPublicClient.target)
            loggedHeaders = true
        }
        sentWith[id] = generation
        return request
    }

    func isRateLimited(_ id: Int) -> Bool { true }

    func finished(_ id: Int, result: TransferResult, attempt: Int, elapsedMs: Int) -> TransferStep {
        // A batch is let go only once settled, after which the queue never hands its id back.
        guard let batch = batches[id] else { return .done(then: []) }
        let outcome = AttemptOutcome.of(result)
        log.exchange(
            method: "POST", url: client.configuration.endpoint.url,
            what:
                "\(ECRPublicClient.target) repository=\(batch.repository) digests=\(batch.digests.count) attempt=\(attempt)",
            outcome: client.describe(outcome, headers: result.headers), elapsedMs: elapsedMs)
        switch outcome {
        case .success(let body):
            do {
                settle(
                    id, BatchAnswer(batch: batch, verdicts: try ResponseParser.parse(body, requested: batch.digests)))
            } catch {
                settle(
                    id,
                    BatchAnswer(
                        batch: batch,
                        failure: BatchFailure(.unverifiable, "malformed answer from the service: \(error)")))
            }
            return .done(then: [])
        case .retryable(let reason, let isTimeout):
            return .retry(reason, isTimeout: isTimeout, retryAfter: TransferQueue.retryAfter(result.headers))
        case .credentials(let reason, let expired):
            return rejected(id, reason: reason, expired: expired)
        case .repositoryNotFound(let reason):
            return fail(id, BatchFailure(.repositoryNotFound, reason))
        case .fatal(let reason):
            return fail(id, BatchFailure(.unverifiable, reason))
        }
    }

    /// The service refused the credentials: an expired token is resent once with fresh ones (refreshed here unless
    /// another batch already did, at most three forced refreshes per run); anything else fails the batch.
    private func rejected(_ id: Int, reason: String, expired: Bool) -> TransferStep {
        guard let credentials = current else { return fail(id, BatchFailure(.credentials, reason)) }
        guard expired, !resentAfterExpiry.contains(id) else {
            let message = "credentials from \(credentials.source) were rejected: \(reason)"
            return fail(id, BatchFailure(.credentials, message))
        }
        if (sentWith[id] ?? 0) < generation {
            // Another batch already refreshed them; resend with the new ones.
            resentAfterExpiry.insert(id)
            return .resend(then: [])
        }
        var refreshError = ""
        if forcedRefreshes < 3 {
            forcedRefreshes += 1
            do {
                let refreshed = try client.credentials.resolve(forceRefresh: true)
                if !refreshed.sameKeys(as: credentials) {
                    current = refreshed
                    generation += 1
                    resentAfterExpiry.insert(id)
                    return .resend(then: [])
                }
                refreshError = "; \(credentials.source) handed out the same credentials again"
            } catch {
                refreshError = "; refreshing them failed: \(Redactor.scrub("\(error)", secrets: credentials.secrets))"
            }
        }
        let message = "credentials from \(credentials.source) expired: \(reason)\(refreshError)"
        return fail(id, BatchFailure(.credentials, message))
    }

    private func fail(_ id: Int, _ failure: BatchFailure) -> TransferStep {
        failed(id, failure)
        return .done(then: [])
    }

    func failed(_ id: Int, _ failure: BatchFailure) {
        guard let batch = batches[id] else { return }
        settle(id, BatchAnswer(batch: batch, failure: failure))
    }

    /// Every batch's answer not delivered yet (a batch nothing answered is a failure, never a pass).
    func answers() -> [BatchAnswer] {
        (0..<nextID).compactMap { id in
            if let answer = results[id] { return answer }
            // Delivered already, or never answered.
            return batches[id].map { BatchAnswer(batch: $0, failure: BatchFailure(.unverifiable, "no answer")) }
        }
    }
}
