import CMalloc

/// glibc gives every thread that allocates its own malloc arena; the transfer worker's arena then keeps its own free
/// pages beside the main one's. One arena for the process keeps the peak RSS of a large run lower (the two threads
/// meet only at batch hand-over, so contention is negligible).
enum MallocArenas {
    /// Evaluated once, by `Pipeline.prepare` before any other thread starts (set later, it left libcurl's start-up
    /// and then the transfer worker in arenas of their own); true when glibc accepted the setting.
    static let limitedToOne: Bool = vl_malloc_single_arena() == 1
}
