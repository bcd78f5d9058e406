import Foundation

/// The CPU time this thread spent in `body`, for the "well under a second of its own" hostile-input checks: unlike
/// wall-clock time it does not grow when other tests share the machine's cores.
public func timed(_ body: () -> Void) -> Duration {
    func now() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
    }
    let start = now()
    body()
    return now() - start
}
