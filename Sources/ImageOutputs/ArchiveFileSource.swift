import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The members of one archive as an output source, under the archive's own repo path (`app.tar/index.json`), so the layout
/// readers walk an archive exactly as they walk a directory; symbolic links resolve only inside the archive.
public final class ArchiveFileSource: FileSource {
    public let commit: String
    /// The archive's repo path: every member path starts with it.
    public let root: String
    private var members: [String: ArchiveMember] = [:]
    private var symlinks: [String: String] = [:]
    private var directories = Set<String>()

    init(commit: String, root: String) {
        self.commit = commit
        self.root = root
    }

    // MARK: - Filling (the indexer, with archive-relative names)

    func addFile(_ name: String, _ member: ArchiveMember) {
        let path = full(name)
        symlinks.removeValue(forKey: path)
        members[path] = member
        addParents(of: name)
    }

    func addSymlink(_ name: String, target: String) {
        let path = full(name)
        members.removeValue(forKey: path)
        symlinks[path] = target
        addParents(of: name)
    }

    func addDirectory(_ name: String) {
        directories.insert(full(name))
        addParents(of: name)
    }

    private func addParents(of name: String) {
        var parts = SymlinkResolver.components(name)
        parts.removeLast()
        while !parts.isEmpty {
            guard directories.insert(full(parts.joined(separator: "/"))).inserted else { break }
            parts.removeLast()
        }
    }

    /// A file member by archive-relative name (for hard links, which name earlier members).
    func member(_ name: String) -> ArchiveMember? {
        members[full(name)]
    }

    /// Whether the archive holds a file (or link) by archive-relative name.
    public func contains(_ name: String) -> Bool {
        members[full(name)] != nil || symlinks[full(name)] != nil
    }

    public var memberCount: Int { members.count + symlinks.count }

    /// The one directory every member lies under (`tar -cf app.tar app/` writes `app/index.json`, …), or nil when
    /// members lie at the top or under several directories.
    public func singleTopDirectory() -> String? {
        var top: Substring?
        for path in Array(members.keys) + Array(symlinks.keys) {
            let name = root.isEmpty ? Substring(path) : path.dropFirst(root.count + 1)
            guard let slash = name.firstIndex(of: "/") else { return nil }
            let first = name[..<slash]
            if let top, top != first { return nil }
            top = first
        }
        return top.map(String.init)
    }

    /// Whether some member's name (relative to the archive's root) satisfies `predicate`.
    public func containsMember(where predicate: (String) -> Bool) -> Bool {
        func matches(_ path: String) -> Bool {
            predicate(root.isEmpty ? path : String(path.dropFirst(root.count + 1)))
        }
        // Both name lists as they are, not copied into one array.
        return members.keys.contains(where: matches) || symlinks.keys.contains(where: matches)
    }

    private func full(_ name: String) -> String {
        root.isEmpty ? name : root + "/" + name
    }

    // MARK: - FileSource

    public func read(_ path: String, limit: Int64) -> FileLookup {
        read(path, limit: limit, within: root)
    }

    public func read(_ path: String, limit: Int64, within confining: String) -> FileLookup {
        switch locate(path, within: confining) {
        case .failure(let failure): return failure.lookup
        case .success(let (member, name)):
            if member.size > limit { return .tooLarge(member.size) }
            guard let data = member.data else {
                return .notReadable(
                    "archive member \(name.debugQuoted) was not kept: \(member.notKept ?? "it is not a JSON document")")
            }
            return .file(data)
        }
    }

    public func probe(_ path: String, algorithm: String, within confining: String) -> BlobProbe {
        switch locate(path, within: confining) {
        case .failure(let failure):
            if case .notReadable(let why) = failure.lookup { return .notReadable(why) }
            return .missing
        case .success(let (member, name)):
            if let digest = member.digest, digest.algorithm == algorithm {
                return .content(size: member.size, digest: digest)
            }
            if let data = member.data {
                return .content(size: member.size, digest: ContentDigest.compute(data, algorithm: algorithm))
            }
            return .notReadable(
                "archive member \(name.debugQuoted) was hashed with \(member.digest?.algorithm ?? "nothing"), not \(algorithm)"
            )
        }
    }

    public func exists(_ path: String) -> Bool {
        if case .success = locate(path, within: root) { return true }
        return false
    }

    /// The member a path reaches, links followed inside `confining` (never above the archive), and its archive-relative name.
    private func locate(_ path: String, within confining: String) -> Result<(ArchiveMember, String), FileLookupFailure>
    {
        let inside = CommitSnapshot.isInside(confining, root) || confining == root ? confining : root
        let resolution: PathResolution
        if let direct = members[path], CommitSnapshot.isInside(path, inside) {
            return .success((direct, relative(path)))
        } else {
            resolution = SymlinkResolver.resolve(path, within: inside) { candidate in
                if let target = self.symlinks[candidate] { return .symlink(target) }
                if self.members[candidate] != nil { return .file }
                if self.directories.contains(candidate) || candidate == self.root { return .directory }
                return .missing
            }
        }
        switch resolution {
        case .file(let resolved):
            guard let member = members[resolved] else { return .failure(FileLookupFailure(lookup: .missing)) }
            return .success((member, relative(resolved)))
        case .missing:
            return .failure(FileLookupFailure(lookup: .missing))
        case .notReadable(let why):
            return .failure(FileLookupFailure(lookup: .notReadable(why)))
        }
    }

    private func relative(_ path: String) -> String {
        root.isEmpty ? path : String(path.dropFirst(root.count + 1))
    }
}
