import CGit2

#if canImport(Glibc)
import Glibc
#endif

/// An entry of a tree set against what its parent trees hold under the same name: a commit's diff needs only the
/// entries that changed, and for each, what it replaced.
public struct ComparedEntry: Sendable {
    public let entry: TreeEntry
    /// The parents' entries of the same raw name, in parent order (a parent without that name adds nothing).
    public let before: [TreeEntry]

    /// True when a parent holds this very entry (same name, same id).
    public var isUnchanged: Bool { before.contains { $0.id == entry.id } }
}

extension GitRepository {
    /// The entries of `tree` that no tree of `parents` holds under the same name with the same id (every entry when
    /// `includingUnchanged`), in tree order. Compared inside libgit2 (a binary search by name in each open parent
    /// tree), so an unchanged entry costs no Swift value: diffing a commit that edits one file of a large directory
    /// copies out one entry, not the directory.
    public func comparedEntries(ofTree tree: ObjectID, parents: [ObjectID], includingUnchanged: Bool = false) throws
        -> [ComparedEntry]
    {
        let current = try openTree(tree)
        let before = try parents.map { try openTree($0) }
        var result: [ComparedEntry] = []
        for index in 0..<git_tree_entrycount(current.handle) {
            guard let entry = git_tree_entry_byindex(current.handle, index), let name = git_tree_entry_name(entry),
                let id = git_tree_entry_id(entry)
            else { continue }
            let unchanged = before.contains { parent in
                guard let old = Self.entry(named: name, in: parent.handle, near: index),
                    let oldID = git_tree_entry_id(old)
                else { return false }
                return git_oid_equal(oldID, id) != 0
            }
            if unchanged && !includingUnchanged { continue }
            guard let copied = Self.copy(entry) else { continue }
            let previous = before.compactMap { Self.entry(named: name, in: $0.handle, near: index).flatMap(Self.copy) }
            result.append(ComparedEntry(entry: copied, before: previous))
        }
        // The parents' trees stay open (and their entries valid) until every entry above is copied out.
        withExtendedLifetime((current, before)) {}
        return result
    }

    /// The entries of `tree` called one of `names`, in the order of `names` (absent ones left out): one open tree,
    /// one binary search per name, and a Swift value only for what is there.
    public func entries(named names: [String], inTree tree: ObjectID) throws -> [TreeEntry] {
        let open = try openTree(tree)
        return names.compactMap { name in
            name.withCString { git_tree_entry_byname(open.handle, $0) }.flatMap(Self.copy)
        }
    }

    /// The entry called `name` in `tree`: most often at the same index as in the tree compared with it (an edit
    /// moves nothing), else found by libgit2's binary search.
    private static func entry(named name: UnsafePointer<CChar>, in tree: OpaquePointer, near index: Int)
        -> OpaquePointer?
    {
        if let same = git_tree_entry_byindex(tree, index), let sameName = git_tree_entry_name(same),
            strcmp(sameName, name) == 0
        {
            return same
        }
        return git_tree_entry_byname(tree, name)
    }

    /// One libgit2 tree entry as a Swift value (nil only if libgit2 hands back no name or id).
    static func copy(_ entry: OpaquePointer) -> TreeEntry? {
        guard let name = git_tree_entry_name(entry), let id = git_tree_entry_id(entry) else { return nil }
        let raw = Array(
            UnsafeBufferPointer(start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self), count: strlen(name)))
        return TreeEntry(
            name: String(validating: raw, as: UTF8.self), rawName: raw, id: ObjectID(id.pointee),
            kind: kind(of: git_tree_entry_filemode(entry)))
    }
}
