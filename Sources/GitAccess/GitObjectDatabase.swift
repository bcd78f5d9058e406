import CGit2
import ImageModel

/// The repository's object database: borrowed per call, and let go with libgit2's caches every so many reads.
extension GitRepository {
    /// Runs `body` with the repository's object database (opened again by libgit2 if it was let go).
    func withDatabase<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        var database: OpaquePointer?
        try gitCheck(git_repository_odb(&database, handle), "cannot open the object database")
        guard let database else { throw GitError(kind: .other, message: "libgit2 returned no object database") }
        defer { git_odb_free(database) }
        return try body(database)
    }

    /// Counts one object read; every `readsBetweenReleases` reads, lets libgit2 free its object cache, its object
    /// database and with it the pack caches (`git_repository__cleanup`: trees and blobs already handed out stay valid,
    /// each holds its own reference to its data; the configuration, index and refs are read again when next needed).
    func releaseCachesIfDue() {
        readsSinceRelease += 1
        guard readsSinceRelease >= Self.readsBetweenReleases else { return }
        releaseCaches()
    }

    /// Lets libgit2's caches and the pack go now, as `releaseCachesIfDue` does: when reading ends while the run still
    /// waits for answers, the pack index (mapped whole, and touched whole by a few hundred lookups: 5 MiB for 200,000
    /// objects) is not held for the rest of the run.
    public func releaseCaches() {
        readsSinceRelease = 0
        git_repository__cleanup(handle)
    }
}
