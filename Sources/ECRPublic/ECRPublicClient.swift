import CCurl
import Foundation
import ImageModel
import Verification

/// `BatchCheckLayerAvailability` over libcurl's multi interface: many signed calls in flight, retried like an SDK.
public final class ECRPublicClient: LayerRegistry {
    public static let target = "SpencerFrontendService.BatchCheckLayerAvailability"
    private let configuration: ClientConfiguration
    private let credentials: CredentialChain
    private let budget = RetryBudget()
    /// Calls actually sent, retries included (for benchmarks and verbose output).
    public private(set) var requestsSent = 0
    /// Told about each batch as it is queued and answered (the progress line); nil costs nothing.
    public var observer: CallObserver?

    public init(configuration: ClientConfiguration, credentials: CredentialChain) {
        self.configuration = configuration
        self.credentials = credentials
    }

    public func check(_ batches: [LayerBatch]) -> [BatchAnswer] {
        guard !batches.isEmpty else { return [] }
        return check(stream: BatchStream(finished: batches))
    }

    /// Sends batches as they arrive; credentials are resolved only once there is something to ask.
    public func check(stream: BatchStream) -> [BatchAnswer] {
        var batches: [LayerBatch] = []
        var results: [BatchAnswer?] = []
        var streamOpen = true
        var credentialsInUse: Credentials?
        // Once set, every batch (including later arrivals) ends with it: no credentials, no curl, or the deadline passed.
        var terminal: BatchFailure?
        var multi: CurlMulti?
        var ready: [Job] = []
        var waiting: [Job] = []
        var active: [UnsafeMutableRawPointer: (job: Job, easy: CurlEasy, started: Date)] = [:]
        var limiter = RateLimiter(perSecond: configuration.callsPerSecond)
        // Bumped whenever the key material changes, so a batch rejected with the old token is simply resent.
        var generation = 0
        var forcedRefreshes = 0
        var nextRefreshCheck = Date.distantPast
        var loggedHeaders = false
        var idleWait: TimeInterval = 0

        let observer = self.observer
        func finish(_ job: Job, _ answer: BatchAnswer) {
            results[job.index] = answer
            observer?.answered(answer.batch)
        }

        /// Takes new batches from the stream; the first ones bring up credentials and the connection pool.
        func absorb(waitingUpTo wait: TimeInterval) {
            let (taken, done) = stream.take(waitingUpTo: streamOpen ? wait : 0)
            if done { streamOpen = false }
            guard !taken.isEmpty else { return }
            if terminal == nil && credentialsInUse == nil {
                do {
                    let resolved = try credentials.resolve()
                    credentialsInUse = resolved
                    log.note("credentials from \(resolved.source) (\(Redactor.maskAccessKey(resolved.accessKeyId)))")
                    multi = try CurlMulti(maxHostConnections: configuration.concurrency)
                } catch let error as CurlError {
                    terminal = BatchFailure(.unverifiable, "\(error)")
                } catch {
                    terminal = Self.credentialFailure(error)
                }
            }
            for batch in taken {
                observer?.queued(batch)
                let job = Job(index: batches.count)
                batches.append(batch)
                results.append(nil)
                if let terminal {
                    finish(job, BatchAnswer(batch: batch, failure: terminal))
                } else {
                    ready.insert(job, at: 0)
                }
            }
        }

        while streamOpen || !ready.isEmpty || !waiting.isEmpty || !active.isEmpty {
            absorb(waitingUpTo: idleWait)
            idleWait = 0
            guard let multi, let resolved = credentialsInUse else {
                // Nothing started yet (or never will): wait for the producer.
                if streamOpen { idleWait = 0.1 }
                continue
            }
            var current = resolved
            defer { credentialsInUse = current }
            let now = Date()
            if let deadline = configuration.deadline, now >= deadline {
                let message = "the run's --timeout expired before the service answered"
                let expired = BatchFailure(.unverifiable, message)
                for (_, entry) in active {
                    multi.remove(entry.easy)
                    finish(entry.job, BatchAnswer(batch: batches[entry.job.index], failure: expired))
                }
                active.removeAll()
                for job in ready + waiting {
                    finish(job, BatchAnswer(batch: batches[job.index], failure: expired))
                }
                ready.removeAll()
                waiting.removeAll()
                terminal = expired
                if streamOpen { idleWait = 0.1 }
                continue
            }
            // Move jobs whose backoff has elapsed back to the ready queue.
            waiting.removeAll { job in
                guard job.notBefore <= now else { return false }
                ready.append(job)
                return true
            }
            // Temporary credentials nearing expiry are refreshed between calls (the chain throttles and keeps valid ones on failure).
            if !ready.isEmpty, current.expiresSoon(now: now), now >= nextRefreshCheck {
                nextRefreshCheck = now.addingTimeInterval(1)
                if let refreshed = try? credentials.resolve(), !refreshed.sameKeys(as: current) {
                    current = refreshed
                    generation += 1
                }
            }
            while active.count < configuration.concurrency, !ready.isEmpty, limiter.mayStart(at: now) {
                var job = ready.removeLast()
                job.attempts += 1
                job.generation = generation
                do {
                    let (easy, headers) = try makeRequest(for: batches[job.index], credentials: current)
                    if !loggedHeaders {
                        log.headers(headers, context: "\(Self.target)")
                        loggedHeaders = true
                    }
                    try multi.add(easy)
                    limiter.record(now)
                    requestsSent += 1
                    active[easy.handle] = (job, easy, now)
                } catch {
                    finish(job, BatchAnswer(batch: batches[job.index], failure: BatchFailure(.unverifiable, "cannot start the request: \(error)")))
                }
            }
            var waitMs = 100
            if active.isEmpty {
                let wake = (waiting.map(\.notBefore) + [limiter.nextStart(after: now)].compactMap { $0 }).min() ?? now.addingTimeInterval(0.1)
                waitMs = Int(max(1, min(100, wake.timeIntervalSince(now) * 1000)))
                if let deadline = configuration.deadline { waitMs = min(waitMs, Int(max(1, deadline.timeIntervalSince(now) * 1000))) }
                if ready.isEmpty {
                    // Idle: the next pass waits on the stream (woken early by new batches), or sleeps out a backoff.
                    if streamOpen {
                        idleWait = Double(waitMs) / 1000
                    } else {
                        Thread.sleep(forTimeInterval: Double(waitMs) / 1000)
                    }
                }
                continue
            }
            // While the reader is still producing, look at the stream often so new batches are not held back.
            if streamOpen { waitMs = min(waitMs, 2) }
            if let deadline = configuration.deadline { waitMs = min(waitMs, Int(max(1, deadline.timeIntervalSince(now) * 1000))) }
            do {
                try multi.performAndPoll(timeoutMs: waitMs, inFlight: active.count)
            } catch {
                for (_, entry) in active {
                    multi.remove(entry.easy)
                    finish(entry.job, BatchAnswer(batch: batches[entry.job.index], failure: BatchFailure(.unverifiable, "\(error)")))
                }
                active.removeAll()
                continue
            }
            for (handle, code) in multi.completed() {
                guard let entry = active.removeValue(forKey: handle) else { continue }
                multi.remove(entry.easy)
                let batch = batches[entry.job.index]
                let outcome = outcomeOf(entry.easy, code: code)
                let elapsed = Int(Date().timeIntervalSince(entry.started) * 1000)
                log.exchange(method: "POST", url: configuration.endpoint.url,
                             what: "\(Self.target) repository=\(batch.repository) digests=\(batch.digests.count) attempt=\(entry.job.attempts)",
                             outcome: describe(outcome, easy: entry.easy), elapsedMs: elapsed)
                var job = entry.job
                switch outcome {
                case .success(let body):
                    budget.release(job.retryCost)
                    do {
                        finish(job, BatchAnswer(batch: batch, answers: try ResponseParser.parse(body, requested: batch.digests)))
                    } catch {
                        finish(job, BatchAnswer(batch: batch, failure: BatchFailure(.unverifiable, "malformed answer from the service: \(error)")))
                    }
                case .retryable(let reason, let isTimeout):
                    if job.attempts < configuration.retry.maxAttempts, let cost = budget.acquire(timeout: isTimeout) {
                        job.retryCost = cost
                        job.notBefore = Date().addingTimeInterval(configuration.retry.delay(afterAttempt: job.attempts))
                        waiting.append(job)
                    } else {
                        let why = job.attempts < configuration.retry.maxAttempts ? "retry budget exhausted" : "after \(job.attempts) attempt(s)"
                        finish(job, BatchAnswer(batch: batch, failure: BatchFailure(.unverifiable, "\(reason) (\(why))")))
                    }
                case .credentials(let reason, let expired):
                    guard expired, !job.resentAfterExpiry else {
                        finish(job, BatchAnswer(batch: batch, failure: BatchFailure(.credentials, "credentials from \(current.source) were rejected: \(reason)")))
                        continue
                    }
                    if job.generation < generation {
                        // Another batch already refreshed them; resend with the new ones.
                        job.resentAfterExpiry = true
                        ready.append(job)
                        continue
                    }
                    var refreshError = ""
                    if forcedRefreshes < 3 {
                        forcedRefreshes += 1
                        do {
                            let refreshed = try credentials.resolve(forceRefresh: true)
                            if !refreshed.sameKeys(as: current) {
                                current = refreshed
                                generation += 1
                                job.resentAfterExpiry = true
                                ready.append(job)
                                continue
                            }
                            refreshError = "; \(current.source) handed out the same credentials again"
                        } catch {
                            refreshError = "; refreshing them failed: \(Redactor.scrub("\(error)", secrets: current.secrets))"
                        }
                    }
                    finish(job, BatchAnswer(batch: batch, failure: BatchFailure(.credentials, "credentials from \(current.source) expired: \(reason)\(refreshError)")))
                case .repositoryNotFound(let reason):
                    finish(job, BatchAnswer(batch: batch, failure: BatchFailure(.repositoryNotFound, reason)))
                case .fatal(let reason):
                    finish(job, BatchAnswer(batch: batch, failure: BatchFailure(.unverifiable, reason)))
                }
            }
        }
        return results.enumerated().map { index, answer in
            answer ?? BatchAnswer(batch: batches[index], failure: BatchFailure(.unverifiable, "no answer"))
        }
    }

    /// No credentials, or a source that refused (exit 77); a source that could not be reached in time is 69.
    public static func credentialFailure(_ error: Error) -> BatchFailure {
        if let error = error as? CredentialError {
            var failure = BatchFailure(error.transient ? .unverifiable : .credentials, Redactor.url(error.description))
            failure.tried = error.tried.map { String($0.prefix { $0 != ":" }) }
            failure.noCredentials = error.message == CredentialError.noneFoundMessage
            return failure
        }
        return BatchFailure(.credentials, Redactor.url("\(error)"))
    }

    /// The signed request, and the header lines we set (for the redacted verbose log).
    private func makeRequest(for batch: LayerBatch, credentials: Credentials) throws -> (CurlEasy, [String]) {
        let easy = try CurlEasy()
        let data = RequestBody.batchCheckLayerAvailability(batch)
        try easy.set(CURLOPT_URL, string: configuration.endpoint.url)
        try easy.set(CURLOPT_POST, 1)
        try easy.setBody(data)
        var headers = [
            "Content-Type: application/x-amz-json-1.1",
            "X-Amz-Target: \(Self.target)",
        ]
        if let token = credentials.sessionToken { headers.append("X-Amz-Security-Token: \(token)") }
        try easy.setHeaders(headers)
        try easy.set(CURLOPT_AWS_SIGV4, string: "aws:amz:\(configuration.endpoint.region):ecr-public")
        try easy.set(CURLOPT_USERNAME, string: credentials.accessKeyId)
        try easy.set(CURLOPT_PASSWORD, string: credentials.secretAccessKey)
        try easy.set(CURLOPT_USERAGENT, string: configuration.userAgent)
        try easy.set(CURLOPT_PROTOCOLS_STR, string: "http,https")
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000))
        try easy.set(CURLOPT_TIMEOUT_MS, Int(configuration.requestTimeout * 1000))
        // Waiting to learn whether a connection multiplexes is only worth it where ALPN answers during the handshake:
        // over plain HTTP/1.1 it would hold every other call until the first answer arrives.
        if configuration.endpoint.url.lowercased().hasPrefix("https://") { try easy.set(CURLOPT_PIPEWAIT, 1) }
        // Large batches would wait for `100 Continue`; a removed `Expect:` header cannot be used instead, because
        // curl 7.88's SigV4 signs it although it is never sent.
        try easy.set(CURLOPT_EXPECT_100_TIMEOUT_MS, 0)
        try easy.set(CURLOPT_TCP_KEEPALIVE, 1)
        if let bundle = configuration.caBundle { try easy.set(CURLOPT_CAINFO, string: bundle) }
        return (easy, headers)
    }

    private func outcomeOf(_ easy: CurlEasy, code: CURLcode) -> AttemptOutcome {
        if easy.sink.overflowed { return .fatal("the service's answer exceeded \(ResponseSink.maxBodySize) bytes") }
        guard code == CURLE_OK else {
            let detail = easy.errorDetail.isEmpty ? String(cString: curl_easy_strerror(code)) : easy.errorDetail
            switch code {
            case CURLE_OPERATION_TIMEDOUT:
                return .retryable("timed out: \(detail)", isTimeout: true)
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_RECV_ERROR, CURLE_SEND_ERROR,
                 CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_SSL_CONNECT_ERROR:
                return .retryable("connection failed: \(detail)", isTimeout: false)
            default:
                return .fatal("request failed: \(detail)")
            }
        }
        return ErrorClassifier.classify(status: easy.statusCode, body: easy.sink.body, headers: easy.sink.headers)
    }

    private func describe(_ outcome: AttemptOutcome, easy: CurlEasy) -> String {
        let requestID = easy.sink.headers["x-amzn-requestid"].map { " request-id=\($0)" } ?? ""
        switch outcome {
        case .success: return "HTTP 200\(requestID)"
        case .retryable(let reason, _): return "\(reason) (retryable)\(requestID)"
        case .credentials(let reason, _): return "\(reason)\(requestID)"
        case .repositoryNotFound(let reason): return "repository not found: \(reason)\(requestID)"
        case .fatal(let reason): return "\(reason)\(requestID)"
        }
    }

    private var log: HTTPLog { configuration.log }

    /// One batch's progress through attempts.
    struct Job {
        var index: Int
        var attempts = 0
        var notBefore = Date.distantPast
        var retryCost: Int?
        /// Which credentials it was last sent with.
        var generation = 0
        var resentAfterExpiry = false
    }
}
