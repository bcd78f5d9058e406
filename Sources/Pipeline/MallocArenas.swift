#if canImport(Glibc)
import Glibc

/// glibc's `mallopt` (declared in malloc.h, which the Glibc module does not export); two ints in, an int out, so
/// the Swift and C calling conventions agree.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// glibc gives every thread that allocates its own malloc arena; the transfer worker's arena then keeps its own free
/// pages beside the main one's. One arena for the process keeps the peak RSS of a large run lower (the two threads
/// meet only at batch hand-over, so contention is negligible).
enum MallocArenas {
    /// malloc.h's `M_ARENA_MAX`.
    private static let arenaMax: Int32 = -8

    /// Evaluated once, before the transfer worker starts; true when glibc accepted the setting.
    static let limitedToOne: Bool = {
        #if canImport(Glibc)
        return glibcMallopt(arenaMax, 1) == 1
        #else
        return false
        #endif
    }()
}
