import Checking

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One `TransferQueue.run`: the state its loop carries from pass to pass, and the parts of a pass — take batches from
/// the stream, expire the deadline, promote jobs whose backoff is over, let the driver refresh credentials, start
/// ready jobs within the concurrency and rate limits, then poll the engine and act on what finished.
final class QueueRun {
    /// The run's `--timeout` message for everything it cuts off.
    static let deadlineMessage = "the run's --timeout expired before the service answered"
    /// How many rounds of `concurrency` jobs may wait here for their turn before no more batches are taken in.
    static let intakeRounds = 4

    /// A job in flight.
    private struct Active {
        var job: QueueJob
        var started: Date
    }

    private let driver: TransferDriver
    private let stream: BatchStream
    private let configuration: ClientConfiguration
    private let makeEngine: (Int) throws -> TransferEngine
    private let retries: RetryDecider
    private var limiter: RateLimiter
    private var jobs = JobList()
    private var active: [TransferID: Active] = [:]
    private var engine: TransferEngine?
    private var streamOpen = true
    private var started = false
    /// Once set, every later batch is rejected with it.
    private var terminal: BatchFailure?
    /// How long the next pass may wait on the stream for new batches.
    private var idleWait: TimeInterval = 0
    private(set) var transfersStarted = 0

    init(
        driver: TransferDriver, stream: BatchStream, configuration: ClientConfiguration, perSecond: Int,
        budget: RetryBudget, makeEngine: @escaping (Int) throws -> TransferEngine
    ) {
        self.driver = driver
        self.stream = stream
        self.configuration = configuration
        self.makeEngine = makeEngine
        self.retries = RetryDecider(policy: configuration.retry, budget: budget)
        self.limiter = RateLimiter(perSecond: perSecond)
    }

    /// Runs passes until the stream is finished and nothing is queued or in flight.
    func loop(initial: [Int]) -> [BatchAnswer] {
        if !initial.isEmpty {
            startOnce()
            if let terminal {
                for id in initial { driver.failed(id, terminal) }
            } else {
                jobs.pushNext(ids: initial)
            }
        }
        while streamOpen || !jobs.isEmpty || !active.isEmpty { pass() }
        return driver.answers()
    }

    private func pass() {
        absorb(waitingUpTo: idleWait)
        idleWait = 0
        guard let engine, terminal == nil || !active.isEmpty || !jobs.isEmpty else {
            if streamOpen { idleWait = 0.1 }
            return
        }
        let now = Date()
        if let deadline = configuration.deadline, now >= deadline {
            expire(engine)
            if streamOpen { idleWait = 0.1 }
            return
        }
        jobs.promoteDue(at: now)
        driver.tick(now: now, hasReadyWork: jobs.hasReady)
        startReady(engine, now: now)
        if active.isEmpty {
            idle(now: now)
        } else {
            poll(engine, now: now)
        }
    }

    /// The driver's start (credentials) and the engine, once, when the first work arrives.
    private func startOnce() {
        guard terminal == nil, !started else { return }
        started = true
        if let failure = driver.start() {
            terminal = failure
            return
        }
        do {
            engine = try makeEngine(configuration.concurrency)
        } catch {
            terminal = BatchFailure(.unverifiable, "\(error)")
        }
    }

    /// Takes the batches that arrived (waiting up to `wait` for some while the stream is open), only as many as leave
    /// at most `intakeRounds` rounds of the concurrency waiting here: the rest stay in the stream, whose bound holds
    /// the reader back, so a scan that outruns the rate limit does not pile its batches up in memory.
    private func absorb(waitingUpTo wait: TimeInterval) {
        let room = intakeRoom
        if room == 0 && streamOpen && wait > 0 {
            // Batches may be queued that there is no room for: sleep rather than spin on a stream that does not wait.
            Pause.seconds(wait)
        }
        let (taken, done) = stream.take(waitingUpTo: streamOpen && room > 0 ? wait : 0, atMost: room)
        if done { streamOpen = false }
        guard !taken.isEmpty else { return }
        startOnce()
        for batch in taken {
            if let terminal {
                driver.reject(batch, terminal)
            } else {
                jobs.pushLater(ids: driver.accept(batch))
            }
        }
    }

    /// How many more batches may be taken in now.
    private var intakeRoom: Int {
        terminal == nil ? max(0, Self.intakeRounds * configuration.concurrency - jobs.count) : .max
    }

    /// The deadline passed: everything in flight and queued fails, and so does every batch that arrives later.
    private func expire(_ engine: TransferEngine) {
        let expired = BatchFailure(.unverifiable, Self.deadlineMessage)
        failActive(engine, expired)
        for job in jobs.removeAll() { driver.failed(job.id, expired) }
        terminal = expired
    }

    private func failActive(_ engine: TransferEngine, _ failure: BatchFailure) {
        for (id, entry) in active {
            do {
                try engine.cancel(id)
            } catch {
                configuration.log.note("cannot cancel a transfer: \(error)")
            }
            driver.failed(entry.job.id, failure)
        }
        active.removeAll()
    }

    /// Starts ready jobs while there is room in flight and the rate limit allows.
    private func startReady(_ engine: TransferEngine, now: Date) {
        while active.count < configuration.concurrency, let next = jobs.next {
            let limited = driver.isRateLimited(next.id)
            if limited && !limiter.mayStart(at: now) { break }
            guard var job = jobs.popNext() else { break }
            job.attempts += 1
            do {
                let id = try engine.start(try driver.makeTransfer(job.id))
                if limited { limiter.record(now) }
                transfersStarted += 1
                active[id] = Active(job: job, started: now)
            } catch {
                driver.failed(job.id, BatchFailure(.unverifiable, "cannot start the request: \(error)"))
            }
        }
    }

    /// Nothing in flight: wait for the next backoff or rate token, on the stream while it is open (woken early by a
    /// new batch), else asleep.
    private func idle(now: Date) {
        let wakeTimes = jobs.wakeTimes + [limiter.nextStart(after: now)].compactMap { $0 }
        let wake = wakeTimes.min() ?? now.addingTimeInterval(0.1)
        let waitMs = clampToDeadline(Int(max(1, min(100, wake.timeIntervalSince(now) * 1000))), now: now)
        guard !jobs.hasReady || !limiter.mayStart(at: now) else { return }
        if streamOpen {
            idleWait = Double(waitMs) / 1000
        } else {
            Pause.seconds(Double(waitMs) / 1000)
        }
    }

    /// Lets the engine run, then acts on every transfer that finished.
    private func poll(_ engine: TransferEngine, now: Date) {
        var waitMs = 100
        // While the reader is still producing, look at the stream often so new batches are not held back (unless there
        // is no room for them yet).
        if streamOpen && intakeRoom > 0 { waitMs = min(waitMs, 2) }
        if jobs.hasReady { waitMs = min(waitMs, 5) }
        do {
            try engine.poll(timeoutMs: clampToDeadline(waitMs, now: now))
        } catch {
            failActive(engine, BatchFailure(.unverifiable, "\(error)"))
            return
        }
        for (id, result) in engine.completed() { finished(id, result) }
    }

    private func clampToDeadline(_ waitMs: Int, now: Date) -> Int {
        guard let deadline = configuration.deadline else { return waitMs }
        // In floating point first: a far deadline (`--timeout 1e300`) does not fit an Int.
        return Int(min(Double(waitMs), max(1, deadline.timeIntervalSince(now) * 1000)))
    }

    /// The driver's verdict on a finished transfer: done, resend at once, or retry after a backoff (or give up).
    private func finished(_ id: TransferID, _ result: TransferResult) {
        guard let entry = active.removeValue(forKey: id) else { return }
        var job = entry.job
        let elapsed = Int(Date().timeIntervalSince(entry.started) * 1000)
        switch driver.finished(job.id, result: result, attempt: job.attempts, elapsedMs: elapsed) {
        case .done(let then):
            retries.ended(retryCost: job.retryCost)
            jobs.pushNext(ids: then)
        case .resend(let then):
            jobs.pushNext(job)
            jobs.pushNext(ids: then)
        case .retry(let reason, let isTimeout, let retryAfter):
            switch retries.decide(attempts: job.attempts, isTimeout: isTimeout, retryAfter: retryAfter) {
            case .retry(let delay, let cost):
                job.retryCost = cost
                job.notBefore = Date().addingTimeInterval(delay)
                jobs.wait(job)
            case .giveUp(let why):
                driver.failed(job.id, BatchFailure(.unverifiable, "\(reason) (\(why))"))
            }
        }
    }
}
