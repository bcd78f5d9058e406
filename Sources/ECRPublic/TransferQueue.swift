import CCurl
import Foundation
import Verification

/// The curl-multi loop both ways share: at most `concurrency` transfers in flight, starts paced by a token bucket, SDK
/// standard-mode retries, and the run's `--timeout`. Work keeps arriving from the stream while transfers run.
final class TransferQueue {
    private let configuration: ClientConfiguration
    private let perSecond: Int
    private let budget = RetryBudget()
    private(set) var transfersStarted = 0
    /// Told when batches are queued and answered (the progress line).
    var observer: CallObserver?

    init(configuration: ClientConfiguration, perSecond: Int) {
        self.configuration = configuration
        self.perSecond = perSecond
    }

    private struct Job {
        var id: Int
        var attempts = 0
        var notBefore = Date.distantPast
        var retryCost: Int?
    }

    /// Runs until the stream is finished and every transfer has ended; `initial` transfers start at once (work that does
    /// not come as batches, such as manifest checks).
    func run(_ driver: TransferDriver, stream: BatchStream, initial: [Int] = []) -> [BatchAnswer] {
        let driver: TransferDriver = observer.map { ObservedDriver(driver, observer: $0) } ?? driver
        var streamOpen = true
        var started = false
        var terminal: BatchFailure?
        var multi: CurlMulti?
        var ready: [Job] = []
        var waiting: [Job] = []
        var active: [UnsafeMutableRawPointer: (job: Job, easy: CurlEasy, started: Date)] = [:]
        var limiter = RateLimiter(perSecond: perSecond)
        var idleWait: TimeInterval = 0

        func enqueue(_ ids: [Int], front: Bool = false) {
            for id in ids {
                if front { ready.insert(Job(id: id), at: 0) } else { ready.append(Job(id: id)) }
            }
        }

        func startOnce() {
            if terminal == nil && !started {
                started = true
                if let failure = driver.start() {
                    terminal = failure
                } else {
                    do {
                        multi = try CurlMulti(maxHostConnections: configuration.concurrency)
                    } catch {
                        terminal = BatchFailure(.unverifiable, "\(error)")
                    }
                }
            }
        }

        func absorb(waitingUpTo wait: TimeInterval) {
            let (taken, done) = stream.take(waitingUpTo: streamOpen ? wait : 0)
            if done { streamOpen = false }
            guard !taken.isEmpty else { return }
            startOnce()
            for batch in taken {
                if let terminal {
                    driver.reject(batch, terminal)
                } else {
                    // Newest first at the back of `ready` is popped first: the first batches leave first.
                    for id in driver.accept(batch) { ready.insert(Job(id: id), at: 0) }
                }
            }
        }

        if !initial.isEmpty {
            startOnce()
            if let terminal {
                for id in initial { driver.failed(id, terminal) }
            } else {
                enqueue(initial)
            }
        }
        while streamOpen || !ready.isEmpty || !waiting.isEmpty || !active.isEmpty {
            absorb(waitingUpTo: idleWait)
            idleWait = 0
            guard let multi, terminal == nil || !active.isEmpty || !ready.isEmpty || !waiting.isEmpty else {
                if streamOpen { idleWait = 0.1 }
                continue
            }
            let now = Date()
            if let deadline = configuration.deadline, now >= deadline {
                let expired = BatchFailure(.unverifiable, "the run's --timeout expired before the service answered")
                for (_, entry) in active {
                    multi.remove(entry.easy)
                    driver.failed(entry.job.id, expired)
                }
                active.removeAll()
                let rest = ready + waiting
                ready.removeAll()
                waiting.removeAll()
                for job in rest { driver.failed(job.id, expired) }
                terminal = expired
                if streamOpen { idleWait = 0.1 }
                continue
            }
            waiting.removeAll { job in
                guard job.notBefore <= now else { return false }
                ready.append(job)
                return true
            }
            driver.tick(now: now, hasReadyWork: !ready.isEmpty)
            while active.count < configuration.concurrency, !ready.isEmpty {
                let limited = driver.isRateLimited(ready[ready.count - 1].id)
                if limited && !limiter.mayStart(at: now) { break }
                var job = ready.removeLast()
                job.attempts += 1
                do {
                    let easy = try driver.makeTransfer(job.id)
                    try multi.add(easy)
                    if limited { limiter.record(now) }
                    transfersStarted += 1
                    active[easy.handle] = (job, easy, now)
                } catch {
                    driver.failed(job.id, BatchFailure(.unverifiable, "cannot start the request: \(error)"))
                }
            }
            var waitMs = 100
            if active.isEmpty {
                let wake = (waiting.map(\.notBefore) + [limiter.nextStart(after: now)].compactMap { $0 }).min() ?? now.addingTimeInterval(0.1)
                waitMs = Int(max(1, min(100, wake.timeIntervalSince(now) * 1000)))
                if let deadline = configuration.deadline { waitMs = min(waitMs, Int(max(1, deadline.timeIntervalSince(now) * 1000))) }
                if ready.isEmpty || !limiter.mayStart(at: now) {
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
            if !ready.isEmpty { waitMs = min(waitMs, 5) }
            if let deadline = configuration.deadline { waitMs = min(waitMs, Int(max(1, deadline.timeIntervalSince(now) * 1000))) }
            do {
                try multi.performAndPoll(timeoutMs: waitMs, inFlight: active.count)
            } catch {
                for (_, entry) in active {
                    multi.remove(entry.easy)
                    driver.failed(entry.job.id, BatchFailure(.unverifiable, "\(error)"))
                }
                active.removeAll()
                continue
            }
            for (handle, code) in multi.completed() {
                guard let entry = active.removeValue(forKey: handle) else { continue }
                multi.remove(entry.easy)
                var job = entry.job
                let elapsed = Int(Date().timeIntervalSince(entry.started) * 1000)
                let outcome = Self.outcome(entry.easy, code: code)
                switch driver.finished(job.id, easy: entry.easy, outcome: outcome, attempt: job.attempts, elapsedMs: elapsed) {
                case .done(let then):
                    budget.release(job.retryCost)
                    enqueue(then)
                case .resend(let then):
                    ready.append(job)
                    enqueue(then)
                case .retry(let reason, let isTimeout, let retryAfter):
                    if job.attempts < configuration.retry.maxAttempts, let cost = budget.acquire(timeout: isTimeout) {
                        job.retryCost = cost
                        let delay = retryAfter.map { min(max(0, $0), configuration.retry.maxDelay * 3) }
                            ?? configuration.retry.delay(afterAttempt: job.attempts)
                        job.notBefore = Date().addingTimeInterval(delay)
                        waiting.append(job)
                    } else {
                        let why = job.attempts < configuration.retry.maxAttempts ? "retry budget exhausted" : "after \(job.attempts) attempt(s)"
                        driver.failed(job.id, BatchFailure(.unverifiable, "\(reason) (\(why))"))
                    }
                }
            }
        }
        return driver.answers()
    }

    /// Transport results the SDKs retry (refused, reset, timed out) versus ones they do not; an HTTP answer as its status.
    static func outcome(_ easy: CurlEasy, code: CURLcode) -> TransferOutcome {
        if easy.sink.overflowed {
            return .transport(reason: "the service's answer exceeded \(ResponseSink.maxBodySize) bytes", retryable: false, isTimeout: false)
        }
        guard code == CURLE_OK else {
            let detail = easy.errorDetail.isEmpty ? String(cString: curl_easy_strerror(code)) : easy.errorDetail
            switch code {
            case CURLE_OPERATION_TIMEDOUT:
                return .transport(reason: "timed out: \(detail)", retryable: true, isTimeout: true)
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_RECV_ERROR, CURLE_SEND_ERROR,
                 CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_SSL_CONNECT_ERROR:
                return .transport(reason: "connection failed: \(detail)", retryable: true, isTimeout: false)
            default:
                return .transport(reason: "request failed: \(detail)", retryable: false, isTimeout: false)
            }
        }
        return .http(status: easy.statusCode)
    }

    /// `Retry-After` in seconds (the HTTP-date form is read too); nil when absent or unreadable.
    static func retryAfter(_ headers: [String: String], now: Date = Date()) -> TimeInterval? {
        guard let raw = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        if let seconds = Double(raw), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: raw).map { max(0, $0.timeIntervalSince(now)) }
    }
}

extension AttemptOutcome {
    /// A finished API transfer read the way the SDKs read it: transport failures as retryable or fatal, HTTP answers by
    /// their error code.
    static func of(_ transfer: TransferOutcome, easy: CurlEasy) -> AttemptOutcome {
        switch transfer {
        case .transport(let reason, let retryable, let isTimeout):
            return retryable ? .retryable(reason, isTimeout: isTimeout) : .fatal(reason)
        case .http(let status):
            return ErrorClassifier.classify(status: status, body: easy.sink.body, headers: easy.sink.headers)
        }
    }
}
