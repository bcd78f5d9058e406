#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One attempt of a synchronous call (credential endpoints), as far as retrying is concerned.
enum AttemptVerdict<Value> {
    case done(Value)
    /// Failed in a way worth another attempt.
    case retry(reason: String)
}

/// A synchronous call that kept failing: how many attempts it made, and why the last one failed.
struct RetriesExhausted: Error {
    var attempts: Int
    var reason: String
}

extension RetryPolicy {
    /// The synchronous calls' retry loop (STS, container, IMDS): `attempt` until it is done or throws (not retried),
    /// at most `maxAttempts` times with this policy's backoff between, and no retry once the run's deadline is within a
    /// second. The batch paths retry in the transfer queue instead, with the same policy.
    func run<Value>(
        deadline: Date?, pause: (Double) -> Void = { Pause.seconds($0) },
        _ attempt: () throws -> AttemptVerdict<Value>
    ) rethrows -> Result<Value, RetriesExhausted> {
        var attempts = 0
        while true {
            attempts += 1
            switch try attempt() {
            case .done(let value):
                return .success(value)
            case .retry(let reason):
                guard attempts < maxAttempts, deadline.map({ $0.timeIntervalSinceNow > 1 }) ?? true else {
                    return .failure(RetriesExhausted(attempts: attempts, reason: reason))
                }
                pause(delay(afterAttempt: attempts))
            }
        }
    }
}
