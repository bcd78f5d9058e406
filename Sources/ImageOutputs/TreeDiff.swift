import GitAccess
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One version of an image output: where it is, what kind, and the git id that names its whole content.
public struct OutputVersion: Sendable, Hashable {
    public let output: ImageOutput
    /// The tree id of the layout / skopeo directory, or of the directory holding a standalone manifest file:
    /// identical content has the identical id, so each distinct version is read once.
    public let content: ObjectID
    /// The commit that introduced this version (where it is read).
    public let commit: ObjectID
}

/// What one commit changed, as far as image outputs go.
public struct OutputChanges: Sendable {
    public var versions: [OutputVersion] = []
    /// Outputs under a directory whose name is not UTF-8: reported, not read (as `check` does).
    public var unreadableNames: [String] = []
    /// Changed directories holding a manifest.json that looks like an output but is not read (`output-skipped`).
    public var skipped: [SkippedOutput] = []
}

/// Finds the image outputs a commit added or changed, by comparing tree ids against its parents': identical subtrees
/// share ids, so a commit that touches no output costs a handful of tree reads whatever the repository's size.
/// It recognises outputs exactly as `OutputFinder` does for `check` (same markers, same excludes, same manifest files).
public struct TreeDiff {
    let repository: GitRepository
    let finder: OutputFinder

    public init(repository: GitRepository, formats: OutputFormats = .builtIn) {
        self.repository = repository
        finder = OutputFinder(repository: repository, formats: formats)
    }

    /// Outputs in `commit` whose content differs from every parent's at the same path (all of them for a root or
    /// boundary commit). A merge counts only what differs from all of its parents: a version taken unchanged from one
    /// side was introduced by that side's commits, already checked or already on the remote.
    /// `manifestFiles` are the config's `images` paths (exact files, or globs over `.json` files); `exclude` paths are not entered.
    /// `parentTrees`, when the caller knows them (from its walk), are the trees of `commit.parents` in the same order.
    public func changedOutputs(
        of commit: WalkedCommit, parentTrees known: [ObjectID]? = nil, manifestFiles: [String] = [],
        exclude: [String] = []
    ) throws -> OutputChanges {
        let parentTrees = try known ?? commit.parents.map { try repository.commitInfo($0).tree }
        var changes = OutputChanges()
        let walk = Walk(diff: self, commit: commit.id, globs: manifestFiles.filter(Glob.hasWildcards), exclude: exclude)
        try walk.visit(commit.tree, parents: parentTrees, prefix: "", readable: true, into: &changes)
        for path in manifestFiles where !Glob.hasWildcards(path) {
            let normalised = ImageScanner.normalise(path)
            if exclude.contains(where: { Glob.covers(pattern: $0, path: normalised) }) { continue }
            if let version = try changedManifestFile(normalised, commit: commit, parentTrees: parentTrees),
                !changes.versions.contains(where: { $0.output == version.output })
            {
                changes.versions.append(version)
            }
        }
        return changes
    }

    /// The recursive part, with what stays fixed during one commit's diff.
    private struct Walk {
        let diff: TreeDiff
        let commit: ObjectID
        let globs: [String]
        let exclude: [String]

        func isExcluded(_ path: String) -> Bool {
            exclude.contains { Glob.covers(pattern: $0, path: path) }
        }

        func visit(
            _ tree: ObjectID, parents: [ObjectID], prefix: String, readable: Bool, into changes: inout OutputChanges
        ) throws {
            if parents.contains(tree) { return }
            if let kind = diff.finder.outputFormat(inTree: tree)?.kind {
                let path = prefix.isEmpty ? "." : prefix
                if readable {
                    changes.versions.append(
                        OutputVersion(output: ImageOutput(kind: kind, path: path), content: tree, commit: commit))
                } else {
                    changes.unreadableNames.append(path)
                }
                return
            }
            if readable { changes.skipped += diff.finder.skippedOutputs(inTree: tree, directory: prefix) }
            // A config-named manifest file depends on itself and on the `blobs/` beside it: when `blobs/` changed, an
            // unchanged `.json` file is a new version too, so every entry is looked at; else only the changed ones.
            let blobsChanged = try !globs.isEmpty && blobsChanged(tree, parents: parents)
            let compared = try diff.repository.comparedEntries(
                ofTree: tree, parents: parents, includingUnchanged: blobsChanged)
            for item in compared {
                let entry = item.entry
                switch entry.kind {
                case .tree:
                    if item.isUnchanged { continue }
                    let path = prefix.isEmpty ? entry.displayName : prefix + "/" + entry.displayName
                    if isExcluded(path) { continue }
                    // Only a directory the parent had at this name can share subtrees with it (a file replaced by a
                    // directory is all new).
                    let previous = item.before.filter { $0.kind == .tree }.map(\.id)
                    try visit(
                        entry.id, parents: previous, prefix: path, readable: readable && entry.name != nil,
                        into: &changes)
                case .blob, .executable, .symlink:
                    guard readable,
                        let version = changedFile(item, in: tree, prefix: prefix, blobsChanged: blobsChanged)
                    else { continue }
                    changes.versions.append(version)
                case .submodule:
                    continue
                }
            }
        }

        /// Whether the directory's `blobs` entry differs from every parent's (true when a parent has none).
        private func blobsChanged(_ tree: ObjectID, parents: [ObjectID]) throws -> Bool {
            guard let blobs = try diff.repository.entry(named: "blobs", inTree: tree) else { return false }
            return try !parents.contains { try diff.repository.entry(named: "blobs", inTree: $0)?.id == blobs.id }
        }

        /// The new version a changed file of a readable directory makes: an archive (its blob), or a `.json` file the
        /// config's globs name (the directory holding it); nil when it is unchanged, excluded or neither.
        private func changedFile(_ item: ComparedEntry, in tree: ObjectID, prefix: String, blobsChanged: Bool)
            -> OutputVersion?
        {
            let entry = item.entry
            if entry.kind != .symlink, let name = entry.name, let format = diff.finder.formats.fileFormat(named: name) {
                // An archive is one blob: a new version whenever its blob id is new.
                let path = prefix.isEmpty ? name : prefix + "/" + name
                guard !item.isUnchanged && !isExcluded(path) else { return nil }
                return OutputVersion(
                    output: ImageOutput(kind: format.kind, path: path), content: entry.id, commit: commit)
            }
            guard !globs.isEmpty, let name = entry.name, name.hasSuffix(".json") else { return nil }
            guard blobsChanged || !item.isUnchanged else { return nil }
            let path = prefix.isEmpty ? name : prefix + "/" + name
            guard !isExcluded(path), globs.contains(where: { Glob.matches(pattern: $0, path: path) }) else {
                return nil
            }
            return OutputVersion(output: ImageOutput(kind: .manifestFile, path: path), content: tree, commit: commit)
        }
    }

    /// An exact config-named manifest file is a new version when the directory holding it (the file and its `blobs/`) changed.
    private func changedManifestFile(_ path: String, commit: WalkedCommit, parentTrees: [ObjectID]) throws
        -> OutputVersion?
    {
        guard let file = try entry(at: path, inTree: commit.tree), [.blob, .executable, .symlink].contains(file.kind)
        else { return nil }
        if file.kind != .symlink, case let kind = configNamedKind(path, file.id), kind != .manifestFile {
            // An archive named in the config is one blob: a new version whenever its blob id is new.
            for parent in parentTrees where try entry(at: path, inTree: parent)?.id == file.id { return nil }
            return OutputVersion(output: ImageOutput(kind: kind, path: path), content: file.id, commit: commit.id)
        }
        let directory = path.parentPath
        let content: ObjectID
        var before: [ObjectID] = []
        if directory.isEmpty {
            content = commit.tree
            before = parentTrees
        } else {
            guard let dir = try entry(at: directory, inTree: commit.tree) else { return nil }
            content = dir.id
            for parent in parentTrees {
                if let old = try entry(at: directory, inTree: parent), old.kind == .tree { before.append(old.id) }
            }
        }
        if before.contains(content) { return nil }
        return OutputVersion(output: ImageOutput(kind: .manifestFile, path: path), content: content, commit: commit.id)
    }

    /// What a config-named file is: an archive by name, else by its first bytes (an LFS pointer goes by name only), else a
    /// standalone manifest.
    private func configNamedKind(_ path: String, _ id: ObjectID) -> OutputKind {
        finder.formats.configNamedKind(path) {
            guard let stream = try? repository.openBlobStream(id) else { return nil }
            return try? ArchiveIndexer.readPrefix(stream, count: 512)
        }
    }

    /// The entry at a repo-relative path in a tree, or nil.
    func entry(at path: String, inTree root: ObjectID) throws -> TreeEntry? {
        var tree = root
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for (index, part) in parts.enumerated() {
            guard let entry = try repository.entry(named: part, inTree: tree) else { return nil }
            if index == parts.count - 1 { return entry }
            guard entry.kind == .tree else { return nil }
            tree = entry.id
        }
        return nil
    }
}
