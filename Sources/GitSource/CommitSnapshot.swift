import Foundation

/// The files of one commit, read from git objects (never the working tree).
public final class CommitSnapshot: FileSource {
    public let repository: GitRepository
    public let commitID: ObjectID
    public let rootTree: ObjectID
    public var commit: String { commitID.hex }

    public init(repository: GitRepository, commit: ObjectID) throws {
        self.repository = repository
        self.commitID = commit
        self.rootTree = try repository.commitInfo(commit).tree
    }

    /// The entry at a repo-relative path, or nil.
    public func entry(at path: String) -> TreeEntry? {
        var tree = rootTree
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        for (index, part) in parts.enumerated() {
            guard let entries = try? repository.entries(ofTree: tree),
                  let entry = entries.first(where: { $0.name == String(part) }) else { return nil }
            if index == parts.count - 1 { return entry }
            guard entry.kind == .tree else { return nil }
            tree = entry.id
        }
        return nil
    }

    public func read(_ path: String, limit: Int64) -> FileLookup {
        guard let entry = entry(at: path) else { return .missing }
        switch entry.kind {
        case .tree: return .notReadable("it is a directory")
        case .submodule: return .notReadable("it is a submodule")
        case .symlink: return .notReadable("it is a symbolic link")
        case .blob, .executable:
            do {
                return .file(try repository.readBlob(entry.id, limit: limit))
            } catch let error as BlobTooLarge {
                return .tooLarge(error.size)
            } catch {
                return .notReadable("\(error)")
            }
        }
    }

    public func exists(_ path: String) -> Bool { entry(at: path) != nil }
}
