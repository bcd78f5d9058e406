#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Names one transfer in flight; handed out by a `TransferEngine`, meaningful only to it.
struct TransferID: Hashable, Sendable {
    let value: Int
}

/// What the transfer queue drives: starts transfers, lets them run, reports the finished ones. Implemented by the curl
/// adapter (`CurlMulti`) and, in tests, by a scripted fake, so the queue's rules are tested without a network.
protocol TransferEngine: AnyObject {
    /// Adds a transfer; it runs during `poll`.
    func start(_ request: HTTPRequest) throws -> TransferID
    /// Drives the transfers in flight, waiting up to `timeoutMs` for activity (not at all when some already finished).
    func poll(timeoutMs: Int) throws
    /// The transfers that ended since the last call, each once; they are no longer in flight.
    func completed() -> [(TransferID, TransferResult)]
    /// Abandons a transfer in flight (deadline, engine failure); it is never reported as completed.
    func cancel(_ id: TransferID) throws
}
