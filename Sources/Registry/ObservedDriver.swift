import Checking

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Tells a `CallObserver` (the progress line) when a batch is queued and when every transfer it started has ended, without
/// either way of asking knowing about it. Transfers released later by another one (registry HEADs waiting for a token)
/// are not tracked: such a batch counts as answered when its own transfers end.
final class ObservedDriver: TransferDriver {
    private let inner: TransferDriver
    private let observer: CallObserver
    private var batchOf: [Int: Int] = [:]
    private var pending: [Int: (batch: LayerBatch, open: Int)] = [:]
    private var nextBatch = 0

    init(_ inner: TransferDriver, observer: CallObserver) {
        self.inner = inner
        self.observer = observer
    }

    func start() -> BatchFailure? { inner.start() }

    func accept(_ batch: LayerBatch) -> [Int] {
        observer.queued(batch)
        let ids = inner.accept(batch)
        guard !ids.isEmpty else {
            observer.answered(batch)
            return ids
        }
        let number = nextBatch
        nextBatch += 1
        pending[number] = (batch, ids.count)
        for id in ids { batchOf[id] = number }
        return ids
    }

    func reject(_ batch: LayerBatch, _ failure: BatchFailure) {
        observer.queued(batch)
        inner.reject(batch, failure)
        observer.answered(batch)
    }

    func tick(now: Date, hasReadyWork: Bool) { inner.tick(now: now, hasReadyWork: hasReadyWork) }
    func makeTransfer(_ id: Int) throws -> HTTPRequest { try inner.makeTransfer(id) }
    func isRateLimited(_ id: Int) -> Bool { inner.isRateLimited(id) }

    func finished(_ id: Int, result: TransferResult, attempt: Int, elapsedMs: Int) -> TransferStep {
        let step = inner.finished(id, result: result, attempt: attempt, elapsedMs: elapsedMs)
        if case .done = step { ended(id) }
        return step
    }

    func failed(_ id: Int, _ failure: BatchFailure) {
        inner.failed(id, failure)
        ended(id)
    }

    func answers() -> [BatchAnswer] { inner.answers() }

    private func ended(_ id: Int) {
        guard let number = batchOf.removeValue(forKey: id), var entry = pending[number] else { return }
        entry.open -= 1
        if entry.open <= 0 {
            pending[number] = nil
            observer.answered(entry.batch)
        } else {
            pending[number] = entry
        }
    }
}
