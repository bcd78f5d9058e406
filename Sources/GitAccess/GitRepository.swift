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

/// The kind of a tree entry, reduced to what the scanner cares about.
public enum EntryKind: Sendable, Equatable {
    case blob, executable, symlink, tree, submodule
}

/// One tree entry copied out of libgit2. `name` is nil when the raw name is not UTF-8.
public struct TreeEntry: Sendable {
    public let name: String?
    public let rawName: [UInt8]
    public let id: ObjectID
    public let kind: EntryKind

    public var displayName: String { name ?? String(decoding: rawName, as: UTF8.self) }
}

/// The git adapter of GitAccess, the only module that names `git_*` or imports CGit2: it owns repositories, refs, commit
/// walks, trees and blob reads, and copies everything out into Swift values so no libgit2 lifetime escapes. Every libgit2
/// status goes through `gitCheck`. It knows nothing of image outputs, formats, configuration or the network.
///
/// Owns one `git_repository*`, freed in `deinit`; its object database is borrowed per call (`withDatabase`), so that
/// `releaseCachesIfDue` can let libgit2 free it with its pack caches.
public final class GitRepository {
    private let handle: OpaquePointer
    /// Blobs and trees read since libgit2's caches were last let go.
    private var readsSinceRelease = 0
    /// libgit2 keeps a cache of delta bases per pack (up to 16 MiB in 1.5, not settable) and the pack windows for as
    /// long as the object database lives: it is let go after this many object reads, so a long scan holds at most what
    /// that many reads cached (libgit2 reopens the database, mapping the pack index again, at the next read).
    static let readsBetweenReleases = 512
    /// Trees read recently, in two generations: a walk over thousands of commits finds its parents' trees here without
    /// every tree it ever read staying in memory (at most twice `treeGeneration` trees are kept).
    private var treeCache: [ObjectID: [TreeEntry]] = [:]
    private var olderTrees: [ObjectID: [TreeEntry]] = [:]
    static let treeGeneration = 128
    /// Trees kept open for name lookups: a layout's `blobs/sha256` is searched once per descriptor. Bounded (two
    /// generations of `maxOpenTrees`, so at most 32 open), since a libgit2 tree holds its raw object.
    private var openTrees: [ObjectID: GitTree] = [:]
    private var olderOpenTrees: [ObjectID: GitTree] = [:]
    static let maxOpenTrees = 16
    private var hashCache: [BlobHashKey: BlobHash] = [:]
    /// git configuration values read so far (nil: not set); the configuration does not change during a run.
    private var configValues: [String: String?] = [:]
    private var hashMemo: BlobHashMemo?

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

    /// Runs `body` with the repository's object database (opened again by libgit2 if it was let go).
    private func withDatabase<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        var database: OpaquePointer?
        try gitCheck(git_repository_odb(&database, handle), "cannot open the object database")
        guard let database else { throw GitError(kind: .other, message: "libgit2 returned no object database") }
        defer { git_odb_free(database) }
        return try body(database)
    }

    /// Counts one object read; every `readsBetweenReleases` reads, lets libgit2 free its object cache, its object
    /// database and with it the pack caches (`git_repository__cleanup`: trees and blobs already handed out stay valid,
    /// each holds its own reference to its data; the configuration, index and refs are read again when next needed).
    private func releaseCachesIfDue() {
        readsSinceRelease += 1
        guard readsSinceRelease >= Self.readsBetweenReleases else { return }
        readsSinceRelease = 0
        git_repository__cleanup(handle)
    }

    /// The `.git` directory of this worktree.
    public var gitDir: String { String(cString: git_repository_path(handle)) }

    /// Where hooks, LFS objects and shared state live (the main `.git` for linked worktrees).
    public var commonDir: String { String(cString: git_repository_commondir(handle)) }

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

    /// Resolves any revision expression to the commit it names.
    public func resolveCommit(_ revision: String) throws -> ObjectID {
        var object: OpaquePointer?
        let found = git_revparse_single(&object, handle, revision)
        if found < 0 {
            // An unborn HEAD (a fresh `git init`) is not an unknown revision: say what is really going on.
            if git_repository_head_unborn(handle) == 1 || git_repository_is_empty(handle) == 1 {
                throw GitError(
                    kind: .notFound, code: found,
                    message:
                        "this repository has no commits yet; commit the image outputs first (\(revision.debugQuotedForGit) names nothing)"
                )
            }
            try gitCheck(found, "unknown revision \(revision.debugQuotedForGit)")
        }
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        do {
            try gitCheck(git_object_peel(&peeled, object, GIT_OBJECT_COMMIT), "peel")
        } catch {
            // libgit2's own text names its enum values (`git_object_t=1`); say it in words instead.
            let kind = Self.objectKindName(git_object_type(object))
            throw GitError(kind: .invalid, message: "\(revision.debugQuotedForGit) names \(kind), not a commit")
        }
        defer { git_object_free(peeled) }
        guard let peeled, let oid = git_object_id(peeled) else {
            throw GitError(kind: .invalid, message: "\(revision.debugQuotedForGit) does not name a commit")
        }
        return ObjectID(oid.pointee)
    }

    /// `a tree` / `a blob` / `a tag` in words, for messages that must not show libgit2's enum values.
    static func objectKindName(_ type: git_object_t) -> String {
        switch type {
        case GIT_OBJECT_TREE: return "a tree (a directory)"
        case GIT_OBJECT_BLOB: return "a blob (a file)"
        case GIT_OBJECT_TAG: return "a tag"
        case GIT_OBJECT_COMMIT: return "a commit"
        default: return "an object"
        }
    }

    /// True when the object is in the object database (shallow boundaries and grafts leave parents missing).
    public func contains(_ id: ObjectID) -> Bool {
        var oid = id.raw
        return (try? withDatabase { git_odb_exists($0, &oid) == 1 }) ?? false
    }

    /// The tree and parent ids of a commit.
    public func commitInfo(_ id: ObjectID) throws -> (tree: ObjectID, parents: [ObjectID]) {
        let header = try commitHeader(id)
        return (header.tree, header.parents)
    }

    /// The first line of a commit's message, for reports that name a commit other than the one checked.
    public func commitSubject(_ id: ObjectID) throws -> String {
        var commit: OpaquePointer?
        var oid = id.raw
        try gitCheck(git_commit_lookup(&commit, handle, &oid), "cannot read commit \(id.short)")
        defer { git_commit_free(commit) }
        guard let commit, let summary = git_commit_summary(commit) else { return "" }
        return String(cString: summary)
    }

    /// Tree, parent ids and committer time of a commit: what a limited walk needs, read in one lookup.
    func commitHeader(_ id: ObjectID) throws -> (tree: ObjectID, parents: [ObjectID], time: Int64) {
        var commit: OpaquePointer?
        var oid = id.raw
        try gitCheck(git_commit_lookup(&commit, handle, &oid), "cannot read commit \(id.short)")
        defer { git_commit_free(commit) }
        guard let commit, let tree = git_commit_tree_id(commit) else {
            throw GitError(kind: .other, message: "commit \(id.short) has no tree")
        }
        var parents: [ObjectID] = []
        for index in 0..<git_commit_parentcount(commit) {
            if let parent = git_commit_parent_id(commit, index) { parents.append(ObjectID(parent.pointee)) }
        }
        return (ObjectID(tree.pointee), parents, Int64(git_commit_time(commit)))
    }

    /// The entries of a tree, cached for the run: each tree is read once.
    public func entries(ofTree id: ObjectID) throws -> [TreeEntry] {
        if let cached = treeCache[id] { return cached }
        if let cached = olderTrees[id] {
            remember(cached, as: id)
            return cached
        }
        var tree: OpaquePointer?
        var oid = id.raw
        try gitCheck(git_tree_lookup(&tree, handle, &oid), "cannot read tree \(id.short)")
        defer {
            git_tree_free(tree)
            releaseCachesIfDue()
        }
        var result: [TreeEntry] = []
        let count = git_tree_entrycount(tree)
        result.reserveCapacity(count)
        for index in 0..<count {
            guard let entry = git_tree_entry_byindex(tree, index), let namePointer = git_tree_entry_name(entry),
                let entryID = git_tree_entry_id(entry)
            else { continue }
            let raw = Array(
                UnsafeBufferPointer(
                    start: UnsafeRawPointer(namePointer).assumingMemoryBound(to: UInt8.self), count: strlen(namePointer)
                ))
            result.append(
                TreeEntry(
                    name: String(validating: raw, as: UTF8.self), rawName: raw, id: ObjectID(entryID.pointee),
                    kind: GitRepository.kind(of: git_tree_entry_filemode(entry))))
        }
        remember(result, as: id)
        return result
    }

    private func remember(_ entries: [TreeEntry], as id: ObjectID) {
        if treeCache.count >= Self.treeGeneration {
            olderTrees = treeCache
            treeCache = [:]
        }
        treeCache[id] = entries
    }

    /// One entry of a tree by name: libgit2's binary search over a tree kept open, so a `blobs/sha256` directory with tens of
    /// thousands of entries is neither copied nor indexed again per descriptor.
    public func entry(named name: String, inTree id: ObjectID) throws -> TreeEntry? {
        guard !name.utf8.contains(0) else { return nil }
        let tree = try openTree(id)
        return tree.entry(named: name)
    }

    /// The id and kind of entry `name` (UTF-8 bytes, no NUL) in tree `id`, copying nothing out but the id: the lookup a
    /// scan makes once per config and layer blob.
    public func entryIDAndKind(named name: UnsafeBufferPointer<UInt8>, inTree id: ObjectID) throws -> (
        id: ObjectID, kind: EntryKind
    )? {
        guard !name.isEmpty, !name.contains(0) else { return nil }
        let tree = try openTree(id)
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: name.count + 1) { cName in
            for (index, byte) in name.enumerated() { cName[index] = CChar(bitPattern: byte) }
            cName[name.count] = 0
            return tree.idAndKind(named: cName.baseAddress!)
        }
    }

    /// A tree kept open, in two generations like `entries(ofTree:)`: a commit walk's parents are still open when their
    /// children are compared with them.
    func openTree(_ id: ObjectID) throws -> GitTree {
        if let open = openTrees[id] { return open }
        let owned: GitTree
        if let older = olderOpenTrees[id] {
            owned = older
        } else {
            var tree: OpaquePointer?
            var oid = id.raw
            try gitCheck(git_tree_lookup(&tree, handle, &oid), "cannot read tree \(id.short)")
            guard let tree else { throw GitError(kind: .other, message: "libgit2 returned no tree for \(id.short)") }
            owned = GitTree(handle: tree)
            releaseCachesIfDue()
        }
        if openTrees.count >= GitRepository.maxOpenTrees {
            olderOpenTrees = openTrees
            openTrees = [:]
        }
        openTrees[id] = owned
        return owned
    }

    static func kind(of mode: git_filemode_t) -> EntryKind {
        switch mode {
        case GIT_FILEMODE_TREE: return .tree
        case GIT_FILEMODE_LINK: return .symlink
        case GIT_FILEMODE_COMMIT: return .submodule
        case GIT_FILEMODE_BLOB_EXECUTABLE: return .executable
        default: return .blob
        }
    }

    /// A blob's hash when this run or an earlier one already computed it (only content that is not an LFS pointer is hashed).
    public func knownHash(_ id: ObjectID, algorithm: String) -> BlobHash? {
        let key = BlobHashKey(id: id, algorithm: algorithm)
        // Asked once per blob: an empty table (every cold run) is not hashed into.
        if !hashCache.isEmpty, let known = hashCache[key] { return known }
        return hashMemo?.lookup(key)
    }

    /// Blobs up to this size are hashed from one inflated buffer: trying a stream first costs a loose-object lookup (a
    /// failed `access` per packed blob) that small blobs do not repay.
    public static let streamAbove: Int64 = 1 << 20

    /// Hashes a blob with `algorithm` without copying it: loose objects over `streamAbove` are streamed through
    /// `git_odb_open_rstream` in 1 MiB chunks; packed objects (which libgit2 cannot stream) and small ones are hashed in
    /// place from the one buffer libgit2 inflates them into. Remembered per blob id for the run, so a layer shared by many
    /// images or commits is hashed once. `size` is the blob's size when the caller has read its header already.
    public func hashBlob(_ id: ObjectID, algorithm: String, size: Int64? = nil) throws -> BlobHash {
        if let known = knownHash(id, algorithm: algorithm) { return known }
        guard let hasher = ContentHasher(algorithm: algorithm) else {
            return BlobHash(size: try size ?? blobSize(id), digest: nil, streamed: false)
        }
        let result: BlobHash
        if try size ?? blobSize(id) > GitRepository.streamAbove, let streamed = try hashStreamed(id, hasher) {
            result = streamed
        } else {
            result = try hashInPlace(id, hasher)
        }
        remember(result, for: BlobHashKey(id: id, algorithm: algorithm))
        return result
    }

    /// Hashes the content of blob `id` the caller has read already (a small blob read to see whether it is an LFS
    /// pointer). Not remembered: hashing a blob this small again costs less than keeping, saving and loading its hash
    /// (the memo is for blobs whose reading and hashing is what a cold run pays for).
    public func hashBlob(_ id: ObjectID, algorithm: String, content: Data) -> BlobHash {
        guard var hasher = ContentHasher(algorithm: algorithm) else {
            return BlobHash(size: Int64(content.count), digest: nil, streamed: false)
        }
        content.withUnsafeBytes { hasher.update($0) }
        return BlobHash(size: Int64(content.count), digest: hasher.finalize(), streamed: false)
    }

    /// The memo, when there is one, is this run's cache too: one copy of each hash, not two.
    private func remember(_ hash: BlobHash, for key: BlobHashKey) {
        if let hashMemo, hash.digest != nil { hashMemo.record(key, hash) } else { hashCache[key] = hash }
    }

    /// Streams a loose blob through the hasher; nil when libgit2 cannot stream it (a packed object).
    private func hashStreamed(_ id: ObjectID, _ start: ContentHasher) throws -> BlobHash? {
        var hasher = start
        var oid = id.raw
        var database: OpaquePointer?
        guard git_repository_odb(&database, handle) == 0, let odb = database else {
            git_error_clear()
            return nil
        }
        defer { git_odb_free(odb) }
        var stream: UnsafeMutablePointer<git_odb_stream>?
        var length = 0
        var type = GIT_OBJECT_ANY
        guard (try? gitCheck(git_odb_open_rstream(&stream, &length, &type, odb, &oid), "stream")) != nil, let stream
        else {
            git_error_clear()
            return nil
        }
        defer { git_odb_stream_free(stream) }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let count = Int(
                try gitCheck(
                    git_odb_stream_read(stream, buffer.assumingMemoryBound(to: CChar.self), chunk),
                    "cannot read blob \(id.short)"))
            if count == 0 { break }
            total += count
            guard total <= length else {
                throw GitError(kind: .other, message: "blob \(id.short) is longer than its header says")
            }
            hasher.update(UnsafeRawBufferPointer(start: buffer, count: count))
        }
        guard total == length else {
            throw GitError(kind: .other, message: "blob \(id.short) ended after \(total) of \(length) bytes")
        }
        return BlobHash(size: Int64(total), digest: hasher.finalize(), streamed: true)
    }

    /// Hashes a blob from the one buffer libgit2 inflates it into.
    private func hashInPlace(_ id: ObjectID, _ start: ContentHasher) throws -> BlobHash {
        var hasher = start
        var oid = id.raw
        var blob: OpaquePointer?
        try gitCheck(git_blob_lookup(&blob, handle, &oid), "cannot read blob \(id.short)")
        defer {
            git_blob_free(blob)
            releaseCachesIfDue()
        }
        let size = Int(git_blob_rawsize(blob))
        if size > 0, let content = git_blob_rawcontent(blob) {
            hasher.update(UnsafeRawBufferPointer(start: content, count: size))
        }
        return BlobHash(size: Int64(size), digest: hasher.finalize(), streamed: false)
    }

    /// Keeps blob hashes across runs in `<common-dir>/verify-layers/` (see `BlobHashMemo`); call `saveHashMemo()` at the end.
    public func rememberBlobHashes() {
        if hashMemo == nil { hashMemo = BlobHashMemo(directory: commonDir.appendingPath("verify-layers")) }
    }

    /// Writes new blob hashes back and frees their in-memory copy until they are needed again.
    public func saveHashMemo() {
        guard let hashMemo else { return }
        hashMemo.saveAndUnload()
        hashCache = [:]
    }

    /// The size of a blob without reading its content.
    public func blobSize(_ id: ObjectID) throws -> Int64 {
        var length = 0
        var type = GIT_OBJECT_ANY
        var oid = id.raw
        try withDatabase { odb in
            try gitCheck(git_odb_read_header(&length, &type, odb, &oid), "cannot read object \(id.short)")
        }
        return Int64(length)
    }

    /// Reads a blob's content, refusing blobs over `limit` bytes before loading them.
    public func readBlob(_ id: ObjectID, limit: Int64 = .max) throws -> Data {
        if limit != .max {
            let size = try blobSize(id)
            if size > limit { throw BlobTooLarge(size: size, limit: limit) }
        }
        var blob: OpaquePointer?
        var oid = id.raw
        try gitCheck(git_blob_lookup(&blob, handle, &oid), "cannot read blob \(id.short)")
        defer {
            git_blob_free(blob)
            releaseCachesIfDue()
        }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: content, count: size)
    }

    /// A string value from git's configuration (e.g. `core.hooksPath`), nil when unset; any other failure (an unreadable
    /// or malformed config file) is thrown, not taken for "unset".
    public func configString(_ name: String) throws -> String? {
        // Read once per run: every commit snapshot asks for `lfs.storage`, and parsing git's config files is not free.
        if let known = configValues[name] { return known }
        let value = try readConfigString(name)
        configValues[name] = .some(value)
        return value
    }

    private func readConfigString(_ name: String) throws -> String? {
        var config: OpaquePointer?
        try gitCheck(git_repository_config_snapshot(&config, handle), "cannot read git's configuration")
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        let status = git_config_get_string(&value, config, name)
        if status == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return nil
        }
        try gitCheck(status, "cannot read \(name) from git's configuration")
        return value.map { String(cString: $0) }
    }

    /// The target of every ref whose name starts with `prefix` (e.g. `refs/remotes/origin/`), peeled to commits. A ref
    /// that names no commit (a tag of a tree, a dangling symbolic ref) is left out; any other failure is thrown, so a
    /// remote tip is never silently missing.
    public func refTips(prefix: String) throws -> [ObjectID] {
        var iterator: OpaquePointer?
        try gitCheck(
            git_reference_iterator_glob_new(&iterator, handle, prefix + "*"), "cannot list the refs \(prefix)*")
        defer { git_reference_iterator_free(iterator) }
        var tips: [ObjectID] = []
        while true {
            var reference: OpaquePointer?
            let status = git_reference_next(&reference, iterator)
            if status == GIT_ITEROVER.rawValue {
                git_error_clear()
                return tips
            }
            try gitCheck(status, "cannot list the refs \(prefix)*")
            defer { git_reference_free(reference) }
            if let tip = try peeledCommit(reference) { tips.append(tip) }
        }
    }

    /// The commit a reference points to; nil when it points to no commit.
    private func peeledCommit(_ reference: OpaquePointer?) throws -> ObjectID? {
        var peeled: OpaquePointer?
        let status = git_reference_peel(&peeled, reference, GIT_OBJECT_COMMIT)
        if status == GIT_ENOTFOUND.rawValue || status == GIT_EPEEL.rawValue || status == GIT_EINVALIDSPEC.rawValue {
            git_error_clear()
            return nil
        }
        try gitCheck(status, "cannot peel a ref to its commit")
        defer { git_object_free(peeled) }
        guard let peeled, let oid = git_object_id(peeled) else { return nil }
        return ObjectID(oid.pointee)
    }

    /// A blob as a stream of bytes, for archives too large to hold in memory.
    public func openBlobStream(_ id: ObjectID) throws -> GitBlobStream {
        try GitBlobStream(repository: handle, owner: self, id: id)
    }
}

/// Owns one `git_tree*` kept open for name lookups.
final class GitTree {
    let handle: OpaquePointer

    init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        git_tree_free(handle)
    }

    /// The id and kind of one entry by NUL-terminated name.
    func idAndKind(named cName: UnsafePointer<CChar>) -> (id: ObjectID, kind: EntryKind)? {
        guard let entry = git_tree_entry_byname(handle, cName), let entryID = git_tree_entry_id(entry) else {
            return nil
        }
        return (ObjectID(entryID.pointee), GitRepository.kind(of: git_tree_entry_filemode(entry)))
    }

    /// One entry by name: libgit2's binary search over the open tree.
    func entry(named name: String) -> TreeEntry? {
        name.withCString { cName -> TreeEntry? in
            guard let entry = git_tree_entry_byname(handle, cName), let entryID = git_tree_entry_id(entry) else {
                return nil
            }
            return TreeEntry(
                name: name, rawName: Array(name.utf8), id: ObjectID(entryID.pointee),
                kind: GitRepository.kind(of: git_tree_entry_filemode(entry)))
        }
    }
}

/// A blob's size and digest, and whether it was streamed (loose) or hashed from one inflated buffer (packed).
public struct BlobHash: Sendable, Equatable {
    public let size: Int64
    public let digest: Digest?
    public let streamed: Bool
}

struct BlobHashKey: Hashable {
    let id: ObjectID
    /// 1 = sha256, 2 = sha512, 0 = anything else: hashed as a byte, not as text, on every lookup.
    let algorithm: UInt8

    init(id: ObjectID, algorithm: String) {
        self.id = id
        switch algorithm {
        case "sha256": self.algorithm = 1
        case "sha512": self.algorithm = 2
        default: self.algorithm = 0
        }
    }
}

/// A blob over a size limit; the caller turns it into a finding.
public struct BlobTooLarge: Error, Sendable {
    public let size: Int64
    public let limit: Int64
}

extension String {
    var debugQuotedForGit: String { "'\(self.prefix(200))'" }
}
