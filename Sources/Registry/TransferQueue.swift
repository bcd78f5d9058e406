import Checking

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one transfer queue both ways of asking share (like git-lfs's `tq`): batches in, answers out. At most
/// `concurrency` transfers in flight, starts paced by a token bucket (`RateLimiter`), SDK standard-mode retries with
/// their budget (`RetryDecider`), the run's `--timeout` and credential refresh (the driver's `tick`); work keeps
/// arriving from the stream while transfers run. The parts live in `QueueRun` (the loop), `JobList`, `RetryDecider`
/// and `RateLimiter`; transfers go through a `TransferEngine` (curl's multi interface, a scripted fake in tests).
///
/// Thread model: a run is synchronous and single-threaded. `run` executes entirely on the thread that calls it (for a
/// streaming check, the worker thread `Verifier.verify(reading:)` starts), and every object it touches (the driver,
/// the engine and its curl handles, the job list, the budget) is created for or handed to that run and used by that
/// thread only, so none of them needs to be `Sendable`. The only thing shared with another thread is the
/// `BatchStream`: the reading thread pushes batches into it and the queue takes them between passes
/// (`take(waitingUpTo:)`, which is also the queue's idle wait, woken early by a push). `BatchStream` is `Sendable`
/// because its state sits behind a `Mutex`, which Swift 6 language mode checks; batches (`LayerBatch`) are values,
/// copied across.
final class TransferQueue {
    private let configuration: ClientConfiguration
    private let perSecond: Int
    private let makeEngine: (Int) throws -> TransferEngine
    private let budget = RetryBudget()
    /// Transfers started by the last `run`, retries and resends included.
    private(set) var transfersStarted = 0
    /// Told when batches are queued and answered (the progress line).
    var observer: CallObserver?

    /// `makeEngine` gets the concurrency (curl's per-host connection limit) and is called once, when work first
    /// arrives.
    init(
        configuration: ClientConfiguration, perSecond: Int,
        makeEngine: @escaping (Int) throws -> TransferEngine = { try CurlMulti(maxHostConnections: $0) }
    ) {
        self.configuration = configuration
        self.perSecond = perSecond
        self.makeEngine = makeEngine
    }

    /// Runs until the stream is finished and every transfer has ended; `initial` transfers start at once (work that does
    /// not come as batches, such as manifest checks).
    func run(_ driver: TransferDriver, stream: BatchStream, initial: [Int] = []) -> [BatchAnswer] {
        let driver: TransferDriver = observer.map { ObservedDriver(driver, observer: $0) } ?? driver
        let run = QueueRun(
            driver: driver, stream: stream, configuration: configuration, perSecond: perSecond,
            budget: budget, makeEngine: makeEngine)
        let answers = run.loop(initial: initial)
        transfersStarted += run.transfersStarted
        return answers
    }
}

extension AttemptOutcome {
    /// A finished API transfer read the way the SDKs read it: transport failures as retryable or fatal, HTTP answers by
    /// their error code.
    static func of(_ result: TransferResult) -> AttemptOutcome {
        switch result {
        case .failure(let failure):
            return failure.retryable ? .retryable(failure.reason, isTimeout: failure.isTimeout) : .fatal(failure.reason)
        case .success(let response):
            return ErrorClassifier.classify(status: response.status, body: response.body, headers: response.headers)
        }
    }
}
