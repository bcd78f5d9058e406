import Testing

@testable import Pipeline

@Suite struct MallocArenasTests {
    #if canImport(Glibc)
    /// glibc must take the one-arena limit: the header once tested `__GLIBC__` before including any libc header and so
    /// compiled the "not applied" stub, leaving every thread that allocated an arena of its own (~1 MiB more peak RSS).
    @Test func glibcAcceptsTheSingleArenaLimit() {
        #expect(MallocArenas.limitedToOne)
    }
    #endif
}
