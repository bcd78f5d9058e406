import Foundation

/// One version of an image output: where it is, what kind, and the git id that names its whole content.
public struct OutputVersion: Sendable, Hashable {
    public let output: ImageOutput
    /// The tree id of the layout / skopeo directory, or of the directory holding a standalone manifest file:
    /// identical content has the identical id, so each distinct version is read once.
    public let content: ObjectID
    /// The commit that introduced this version (where it is read).
    public let commit: ObjectID
}

/// Finds the image outputs a commit added or changed, by comparing tree ids against its parents': identical subtrees
/// share ids, so a commit that touches no output costs a handful of tree reads whatever the repository's size.
public struct TreeDiff {
    let repository: GitRepository

    public init(repository: GitRepository) {
        self.repository = repository
    }

    /// Outputs in `commit` whose content differs from every parent's at the same path (all of them for a root or
    /// boundary commit), plus changed directory names that are not UTF-8 (reported, not scanned).
    /// A merge counts only what differs from all of its parents: a version taken unchanged from one side was
    /// introduced by that side's commits, already checked or already on the remote.
    public func changedOutputs(of commit: WalkedCommit, manifestFiles: [String] = []) throws
        -> (versions: [OutputVersion], unreadableNames: [String]) {
        let parentTrees = try commit.parents.map { try repository.commitInfo($0).tree }
        var versions: [OutputVersion] = []
        var unreadable: [String] = []
        try walk(commit.tree, parents: parentTrees, prefix: "", commit: commit.id, versions: &versions, unreadable: &unreadable)
        for path in manifestFiles {
            guard let version = try changedManifestFile(path, commit: commit, parentTrees: parentTrees) else { continue }
            versions.append(version)
        }
        return (versions, unreadable)
    }

    private func walk(_ tree: ObjectID, parents: [ObjectID], prefix: String, commit: ObjectID,
                      versions: inout [OutputVersion], unreadable: inout [String]) throws {
        if parents.contains(tree) { return }
        let entries = try repository.entries(ofTree: tree)
        if let kind = OutputFinder.outputKind(entries.map { ($0.name ?? "", $0.kind) }) {
            versions.append(OutputVersion(output: ImageOutput(kind: kind, path: prefix.isEmpty ? "." : prefix), content: tree, commit: commit))
            return
        }
        var parentSubtrees: [[[UInt8]: ObjectID]] = []
        for parent in parents {
            var byName: [[UInt8]: ObjectID] = [:]
            for entry in try repository.entries(ofTree: parent) where entry.kind == .tree { byName[entry.rawName] = entry.id }
            parentSubtrees.append(byName)
        }
        for entry in entries where entry.kind == .tree {
            let before = parentSubtrees.compactMap { $0[entry.rawName] }
            if before.contains(entry.id) { continue }
            guard let name = entry.name else {
                unreadable.append(prefix.isEmpty ? entry.displayName : prefix + "/" + entry.displayName)
                continue
            }
            try walk(entry.id, parents: before, prefix: prefix.isEmpty ? name : prefix + "/" + name, commit: commit,
                     versions: &versions, unreadable: &unreadable)
        }
    }

    /// A config-named manifest file is a new version when the directory holding it (the file and its `blobs/`) changed.
    private func changedManifestFile(_ path: String, commit: WalkedCommit, parentTrees: [ObjectID]) throws -> OutputVersion? {
        guard let file = try entry(at: path, inTree: commit.tree), file.kind == .blob || file.kind == .executable else { return nil }
        let directory = (path as NSString).deletingLastPathComponent
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

    /// The entry at a repo-relative path in a tree, or nil.
    func entry(at path: String, inTree root: ObjectID) throws -> TreeEntry? {
        var tree = root
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for (index, part) in parts.enumerated() {
            guard let entry = try repository.entries(ofTree: tree).first(where: { $0.name == part }) else { return nil }
            if index == parts.count - 1 { return entry }
            guard entry.kind == .tree else { return nil }
            tree = entry.id
        }
        return nil
    }
}
