import CGit2
import ImageModel

/// Revisions, commits and refs: what a revision names, a commit's tree, parents and subject, and the tips of refs.
extension GitRepository {
    /// True before the first commit (a fresh `git init`, or an orphan branch checked out): HEAD names no commit yet.
    public var headIsUnborn: Bool {
        git_repository_head_unborn(handle) == 1 || git_repository_is_empty(handle) == 1
    }

    /// Resolves any revision expression to the commit it names.
    public func resolveCommit(_ revision: String) throws -> ObjectID {
        var object: OpaquePointer?
        let found = git_revparse_single(&object, handle, revision)
        if found < 0 {
            // An unborn HEAD (a fresh `git init`) is not an unknown revision: say what is really going on.
            if headIsUnborn {
                throw GitError(
                    kind: .notFound, code: found,
                    message:
                        "this repository has no commits yet; commit the image outputs first (\(revision.debugQuotedForGit) names nothing)"
                )
            }
            // Not through gitCheck: the calls just above left their own last error (`config value
            // 'init.defaultbranch' was not found`), which would be shown as the reason.
            let ambiguous = found == GIT_EAMBIGUOUS.rawValue
            throw GitError(
                kind: ambiguous ? .ambiguous : found == GIT_EINVALIDSPEC.rawValue ? .invalid : .notFound, code: found,
                message: "unknown revision \(revision.debugQuotedForGit)"
                    + (ambiguous ? " (ambiguous: give more of the commit id)" : ""))
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
}

extension String {
    var debugQuotedForGit: String { "'\(self.prefix(200))'" }
}
