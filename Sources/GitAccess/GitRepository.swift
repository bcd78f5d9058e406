import CGit2
import ImageModel

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The git adapter of GitAccess, the only module that names `git_*` or imports CGit2: it owns repositories, refs, commit
/// walks, trees and blob reads, and copies everything out into Swift values so no libgit2 lifetime escapes. Every libgit2
/// status goes through `gitCheck`. It knows nothing of image outputs, formats, configuration or the network.
///
/// Owns one `git_repository*`, freed in `deinit`; its object database is borrowed per call (`withDatabase`), so that
/// `releaseCachesIfDue` can let libgit2 free it with its pack caches. One file per concern extends it: `GitRevisions`,
/// `GitTrees`, `GitBlobReads`, `GitBlobHashes`, `GitConfig`, `GitObjectDatabase`.
public final class GitRepository {
    /// Internal (not private) only so this class's extensions in those files reach it; never public, never freed but in
    /// `deinit` (like `GitTree.handle`).
    let handle: OpaquePointer
    /// Blobs and trees read since libgit2's caches were last let go.
    var readsSinceRelease = 0
    /// libgit2 keeps a cache of delta bases per pack (up to 16 MiB in 1.5, not settable) and the pack windows for as
    /// long as the object database lives: it is let go after this many object reads, so a long scan holds at most what
    /// that many reads cached (libgit2 reopens the database, mapping the pack index again, at the next read).
    static let readsBetweenReleases = 512
    /// Trees read recently, in two generations: a walk over thousands of commits finds its parents' trees here without
    /// every tree it ever read staying in memory (at most twice `treeGeneration` trees are kept).
    var treeCache: [ObjectID: [TreeEntry]] = [:]
    var olderTrees: [ObjectID: [TreeEntry]] = [:]
    static let treeGeneration = 128
    /// Trees kept open for name lookups: a layout's `blobs/sha256` is searched once per descriptor. Bounded (two
    /// generations of `maxOpenTrees`, so at most 32 open), since a libgit2 tree holds its raw object.
    var openTrees: [ObjectID: GitTree] = [:]
    var olderOpenTrees: [ObjectID: GitTree] = [:]
    static let maxOpenTrees = 16
    var hashCache: [BlobHashKey: BlobHash] = [:]
    /// git configuration values read so far (nil: not set); the configuration does not change during a run.
    var configValues: [String: String?] = [:]
    var hashMemo: BlobHashMemo?

    /// The libgit2 this binary runs with (`1.5.1`): statically linked in a release, so `--version --verbose` tells.
    public static var libraryVersion: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        guard (try? gitCheck(git_libgit2_version(&major, &minor, &revision), "version")) != nil else {
            return "unknown"
        }
        return "\(major).\(minor).\(revision)"
    }

    /// Opens the repository containing `path` (searching upwards, like git itself).
    public init(discovering path: String) throws {
        try GitLibrary.initialised.get()
        var repo: OpaquePointer?
        let code = git_repository_open_ext(&repo, path, 0, nil)
        if code == GIT_ENOTFOUND.rawValue {
            throw GitError(
                kind: .notARepository, code: code,
                message: "not a git repository (or any parent up to the root): \(path)")
        }
        try gitCheck(code, "cannot open the git repository at \(path)")
        guard let repo else { throw GitError(kind: .other, message: "libgit2 returned no repository for \(path)") }
        var database: OpaquePointer?
        do {
            try gitCheck(git_repository_odb(&database, repo), "cannot open the object database of \(path)")
        } catch {
            git_repository_free(repo)
            throw error
        }
        git_odb_free(database)
        handle = repo
    }

    deinit {
        git_repository_free(handle)
    }

    /// The `.git` directory of this worktree.
    public var gitDir: String { String(cString: git_repository_path(handle)) }

    /// Where hooks, LFS objects and shared state live (the main `.git` for linked worktrees).
    public var commonDir: String { String(cString: git_repository_commondir(handle)) }

    /// verify-layers' own directory, `<git-common-dir>/verify-layers/` (SPEC §7): the blob-hash memo, the positive
    /// cache and the scratch file of blob rows; nothing is written anywhere else.
    public var cacheDirectory: String { commonDir.appendingPath("verify-layers") }

    /// The working directory, nil for a bare repository.
    public var workdir: String? {
        guard let dir = git_repository_workdir(handle) else { return nil }
        return String(cString: dir)
    }

    /// Whether this is a shallow clone (its history is cut at a boundary).
    public var isShallow: Bool {
        get throws {
            try gitCheck(git_repository_is_shallow(handle), "cannot tell whether the repository is shallow") == 1
        }
    }
}
