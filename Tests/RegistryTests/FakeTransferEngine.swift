import Checking
import Foundation
import ImageModel

@testable import Registry

/// A `TransferEngine` without a network: each started request is answered by `answer` (given the request and how many
/// times its URL was started before) after `latency`; it records every start and the most transfers ever in flight.
final class FakeTransferEngine: TransferEngine {
    /// One started transfer: the request as the queue built it, and when.
    struct Start {
        var request: HTTPRequest
        var at: Date
    }

    /// A transfer in flight: when it ends, and how.
    private struct Pending {
        var due: Date
        var result: TransferResult
    }

    var latency: TimeInterval
    let answer: (HTTPRequest, Int) -> TransferResult
    private(set) var starts: [Start] = []
    private(set) var maxInFlight = 0
    private(set) var cancelled: [TransferID] = []
    private var pending: [TransferID: Pending] = [:]
    private var nextID = 0

    init(latency: TimeInterval = 0, answer: @escaping (HTTPRequest, Int) -> TransferResult = { _, _ in .ok() }) {
        self.latency = latency
        self.answer = answer
    }

    func start(_ request: HTTPRequest) throws -> TransferID {
        let earlier = starts.filter { $0.request.url == request.url }.count
        starts.append(Start(request: request, at: Date()))
        let id = TransferID(value: nextID)
        nextID += 1
        pending[id] = Pending(due: Date().addingTimeInterval(latency), result: answer(request, earlier))
        maxInFlight = max(maxInFlight, pending.count)
        return id
    }

    func poll(timeoutMs: Int) throws {
        guard let due = pending.values.map(\.due).min() else { return }
        let wait = min(Double(timeoutMs) / 1000, due.timeIntervalSinceNow)
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
    }

    func completed() -> [(TransferID, TransferResult)] {
        let now = Date()
        let done = pending.filter { $0.value.due <= now }.sorted { $0.key.value < $1.key.value }
        for (id, _) in done { pending[id] = nil }
        return done.map { ($0.key, $0.value.result) }
    }

    func cancel(_ id: TransferID) throws {
        pending[id] = nil
        cancelled.append(id)
    }

    /// When each start of `url` happened.
    func starts(of url: String) -> [Date] {
        starts.filter { $0.request.url == url }.map(\.at)
    }
}

extension Result where Success == HTTPResponse, Failure == TransportFailure {
    static func ok(_ body: String = "", headers: [String: String] = [:]) -> TransferResult {
        .success(HTTPResponse(status: 200, headers: headers, body: Data(body.utf8)))
    }

    static func status(_ status: Int, headers: [String: String] = [:], body: String = "") -> TransferResult {
        .success(HTTPResponse(status: status, headers: headers, body: Data(body.utf8)))
    }
}

/// A driver with one transfer per batch (`https://fake/<batch index>`): 200 answers the batch, 429/5xx ask for a retry
/// (with the answer's `Retry-After`), anything else fails it.
final class ScriptedDriver: TransferDriver {
    var startFailure: BatchFailure?
    var rateLimited = true
    private(set) var batches: [LayerBatch] = []
    private(set) var failures: [Int: BatchFailure] = [:]
    private(set) var rejected: [(LayerBatch, BatchFailure)] = []
    private(set) var answered = Set<Int>()
    private(set) var ticks = 0

    init(startFailure: BatchFailure? = nil) {
        self.startFailure = startFailure
    }

    static func url(_ id: Int) -> String { "https://fake/\(id)" }

    func start() -> BatchFailure? { startFailure }

    func accept(_ batch: LayerBatch) -> [Int] {
        batches.append(batch)
        return [batches.count - 1]
    }

    func reject(_ batch: LayerBatch, _ failure: BatchFailure) {
        rejected.append((batch, failure))
    }

    func tick(now: Date, hasReadyWork: Bool) { ticks += 1 }

    func makeTransfer(_ id: Int) throws -> HTTPRequest {
        HTTPRequest(method: "HEAD", url: Self.url(id), connectTimeout: 1, timeout: 1, what: "batch \(id)")
    }

    func isRateLimited(_ id: Int) -> Bool { rateLimited }

    func finished(_ id: Int, result: TransferResult, attempt: Int, elapsedMs: Int) -> TransferStep {
        switch result {
        case .success(let response) where response.status == 200:
            answered.insert(id)
        case .success(let response) where response.status == 429 || response.status >= 500:
            let retryAfter = TransferQueue.retryAfter(response.headers)
            return .retry("HTTP \(response.status)", isTimeout: false, retryAfter: retryAfter)
        case .success(let response):
            failures[id] = BatchFailure(.unverifiable, "HTTP \(response.status)")
        case .failure(let failure):
            if failure.retryable { return .retry(failure.reason, isTimeout: failure.isTimeout, retryAfter: nil) }
            failures[id] = BatchFailure(.unverifiable, failure.reason)
        }
        return .done(then: [])
    }

    func failed(_ id: Int, _ failure: BatchFailure) {
        failures[id] = failure
    }

    func answers() -> [BatchAnswer] {
        batches.indices.map { BatchAnswer(batch: batches[$0], failure: failures[$0]) }
    }
}
