#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One unit of the queue's work: a driver's transfer id and how often it has been tried.
struct QueueJob {
    var id: Int
    var attempts = 0
    /// Not to start before this (a retry's backoff).
    var notBefore = Date.distantPast
    /// What its last retry took from the retry budget, returned when it succeeds.
    var retryCost: Int?
}

/// The jobs not in flight: ready ones in start order (the next at the end) and ones waiting out a backoff.
struct JobList {
    private var ready: [QueueJob] = []
    private var waiting: [QueueJob] = []

    var isEmpty: Bool { ready.isEmpty && waiting.isEmpty }
    var hasReady: Bool { !ready.isEmpty }
    /// Jobs ready or waiting out a backoff.
    var count: Int { ready.count + waiting.count }
    /// The job that starts next.
    var next: QueueJob? { ready.last }
    /// When each waiting job may start.
    var wakeTimes: [Date] { waiting.map(\.notBefore) }

    /// Starts before everything ready (resends, transfers released by a finished one, work given at the start).
    mutating func pushNext(_ job: QueueJob) {
        ready.append(job)
    }

    mutating func pushNext(ids: [Int]) {
        for id in ids { ready.append(QueueJob(id: id)) }
    }

    /// Starts after everything ready (a new batch's transfers: the first batches leave first).
    mutating func pushLater(ids: [Int]) {
        for id in ids { ready.insert(QueueJob(id: id), at: 0) }
    }

    mutating func popNext() -> QueueJob? {
        ready.popLast()
    }

    /// Waits until `job.notBefore`.
    mutating func wait(_ job: QueueJob) {
        waiting.append(job)
    }

    /// Moves the waiting jobs whose backoff is over to the ready ones.
    mutating func promoteDue(at now: Date) {
        var due: [QueueJob] = []
        waiting.removeAll { job in
            guard job.notBefore <= now else { return false }
            due.append(job)
            return true
        }
        ready += due
    }

    /// Empties the list, ready jobs first.
    mutating func removeAll() -> [QueueJob] {
        defer {
            ready.removeAll()
            waiting.removeAll()
        }
        return ready + waiting
    }
}
