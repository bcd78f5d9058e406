#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocks the calling thread (a transfer worker between retries): `Thread.sleep` is outside FoundationEssentials.
enum Pause {
    static func seconds(_ interval: Double) {
        guard interval > 0, interval.isFinite else { return }
        var request = timespec(
            tv_sec: Int(interval), tv_nsec: Int((interval - interval.rounded(.down)) * 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }
}
