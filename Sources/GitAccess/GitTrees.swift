import CGit2
import ImageModel

#if canImport(Glibc)
import Glibc
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

/// Trees: their entries copied out and cached in two generations, and trees kept open for name lookups.
extension GitRepository {
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
