import Dispatch
import ImageModel
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Batches handed from the reader to the registry while reading is still going on, so the first calls overlap the
/// rest of the scan. One producer pushes and finishes, one consumer takes; the queue lives in a `Mutex` and a semaphore
/// wakes the consumer (a wake-up with nothing new is harmless: `take` looks again).
///
/// With a `bound`, the producer waits in `push` while more than `bound` batches are queued and not yet taken, until the
/// consumer has taken them down to half the bound (so it reads in runs, not a batch at a time): a scan cannot run
/// arbitrarily far ahead of a rate-limited registry. Only the producer ever waits on the consumer, never the other way
/// round: a `take` that brings the queue down to half the bound (and `finish`) wakes a waiting producer.
public final class BatchStream: Sendable {
    private struct State {
        var queue: [LayerBatch] = []
        var finished = false
        /// The producer is waiting (or about to) for the queue to shrink.
        var producerWaits = false
    }

    /// The most batches queued before `push` waits; nil: no limit.
    public let bound: Int?
    private let state = Mutex(State())
    private let arrived = DispatchSemaphore(value: 0)
    private let shrank = DispatchSemaphore(value: 0)

    /// A stream whose producer waits while more than `bound` batches are queued (nil: never).
    public init(bound: Int? = nil) {
        precondition(bound.map { $0 > 0 } ?? true, "a stream's bound must be positive")
        self.bound = bound
    }

    /// How many batches are queued and not yet taken.
    public var queuedCount: Int { state.withLock { $0.queue.count } }

    /// A stream that already holds every batch.
    public convenience init(finished batches: [LayerBatch]) {
        self.init()
        push(batches)
        finish()
    }

    /// Queues `batches`; with a bound, then waits until no more than `bound` are queued (or the stream is finished).
    public func push(_ batches: [LayerBatch]) {
        guard !batches.isEmpty else { return }
        state.withLock { $0.queue.append(contentsOf: batches) }
        arrived.signal()
        guard let bound else { return }
        while true {
            let waits = state.withLock { state in
                state.producerWaits = state.queue.count > bound && !state.finished
                return state.producerWaits
            }
            guard waits else { return }
            shrank.wait()
        }
    }

    /// No more batches will come.
    public func finish() {
        let wake = state.withLock { state in
            state.finished = true
            defer { state.producerWaits = false }
            return state.producerWaits
        }
        arrived.signal()
        if wake { shrank.signal() }
    }

    /// Up to `limit` of the batches queued now, oldest first; when nothing is queued and the stream is open, waits up
    /// to `timeout` seconds for more. `finished` is true once the stream is finished and nothing is left queued.
    public func take(waitingUpTo timeout: TimeInterval, atMost limit: Int = .max) -> (
        batches: [LayerBatch], finished: Bool
    ) {
        let idle = state.withLock { $0.queue.isEmpty && !$0.finished }
        if idle && timeout > 0 { _ = arrived.wait(timeout: .now() + timeout) }
        let (taken, finished, wake) = state.withLock { state in
            let count = min(max(0, limit), state.queue.count)
            let taken: [LayerBatch]
            if count == state.queue.count {
                taken = state.queue
                state.queue = []
            } else {
                taken = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
            }
            let wake = count > 0 && state.producerWaits && state.queue.count <= (bound ?? 0) / 2
            if wake { state.producerWaits = false }
            return (taken, state.finished && state.queue.isEmpty, wake)
        }
        if wake { shrank.signal() }
        return (taken, finished)
    }

    /// Every batch, once the producer has finished.
    public func all() -> [LayerBatch] {
        var batches: [LayerBatch] = []
        while true {
            let (taken, done) = take(waitingUpTo: 1)
            batches += taken
            if done { return batches }
        }
    }
}
