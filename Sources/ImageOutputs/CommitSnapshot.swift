import GitAccess
import ImageModel

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The files of one commit, read from git objects (never the working tree), with symbolic links followed inside a confining
/// directory and Git LFS pointers resolved from the local store.
public final class CommitSnapshot: FileSource {
    public let repository: GitRepository
    public let commitID: ObjectID
    public let rootTree: ObjectID
    public let lfsStore: LFSObjectStore
    public var commit: String { commitID.hex }
    /// A symbolic link's target is a path, never longer than PATH_MAX.
    static let maxLinkTarget: Int64 = 4096

    public init(repository: GitRepository, commit: ObjectID) throws {
        self.repository = repository
        self.commitID = commit
        self.rootTree = try repository.commitInfo(commit).tree
        self.lfsStore = try LFSObjectStore(repository: repository)
    }

    /// The entry at a repo-relative path, without following symbolic links, or nil.
    public func entry(at path: String) -> TreeEntry? {
        if CommitSnapshot.isPlain(path) {
            let (parent, name) = CommitSnapshot.splitLast(path)
            guard let tree = tree(ofDirectoryPath: parent) else { return nil }
            return try? repository.entry(named: name, inTree: tree)
        }
        let parts = SymlinkResolver.components(path)
        guard let name = parts.last, let parent = tree(ofDirectoryPath: parts.dropLast().joined(separator: "/")) else {
            return nil
        }
        return try? repository.entry(named: name, inTree: parent)
    }

    /// Tree ids of directories already looked up, so resolving many blobs of one layout walks its path once. Outputs are
    /// read one after another, so only the last few outputs' directories are worth keeping: the table starts afresh
    /// once it holds `maxDirectories` (a tree of thousands of outputs would otherwise keep every directory's path).
    private var directories: [String: ObjectID] = [:]
    static let maxDirectories = 256

    /// `dir` is a plain repo-relative directory path ("" for the root).
    private func tree(ofDirectoryPath dir: String) -> ObjectID? {
        if dir.isEmpty { return rootTree }
        if let known = directories[dir] { return known }
        let (parent, name) = CommitSnapshot.splitLast(dir)
        guard let parentTree = tree(ofDirectoryPath: parent),
            let entry = try? repository.entry(named: name, inTree: parentTree),
            entry.kind == .tree
        else { return nil }
        if directories.count >= Self.maxDirectories { directories.removeAll(keepingCapacity: true) }
        directories[dir] = entry.id
        return entry.id
    }

    /// A path with no empty, `.` or `..` components: it can be looked up segment by segment as it is.
    /// Byte-wise equality, lengths first (the generic `elementsEqual` cost ~800 instructions per blob looked up).
    private static func same(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<lhs.count where lhs[index] != rhs[index] { return false }
        return true
    }

    static func isPlain(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { isPlain(bytes: $0) }
    }

    private static func isPlain(bytes path: UnsafeBufferPointer<UInt8>) -> Bool {
        var componentLength = 0
        var dots = 0
        var sawAny = false
        for byte in path {
            sawAny = true
            if byte == UInt8(ascii: "/") {
                // Empty, `.` or `..` component (or a leading slash).
                if componentLength == 0 || (dots == componentLength && dots <= 2) { return false }
                componentLength = 0
                dots = 0
            } else {
                componentLength += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        return sawAny && componentLength > 0 && !(dots == componentLength && dots <= 2)
    }

    /// `path` lies below the directory `root` ("" = the repository root).
    static func isInside(_ path: String, _ root: String) -> Bool {
        if root.isEmpty { return true }
        var path = path
        var root = root
        return path.withUTF8 { pathBytes in
            root.withUTF8 { rootBytes in
                pathBytes.count > rootBytes.count && pathBytes.starts(with: rootBytes)
                    && pathBytes[rootBytes.count] == UInt8(ascii: "/")
            }
        }
    }

    /// `a/b/c` → (`a/b`, `c`); `c` → (``, `c`).
    static func splitLast(_ path: String) -> (String, String) {
        let utf8 = path.utf8
        guard let slash = utf8.lastIndex(of: UInt8(ascii: "/")) else { return ("", path) }
        return (String(path[..<slash]), String(path[utf8.index(after: slash)...]))
    }

    public func read(_ path: String, limit: Int64) -> FileLookup {
        read(path, limit: limit, within: "")
    }

    public func read(_ path: String, limit: Int64, within root: String) -> FileLookup {
        let entry: TreeEntry
        switch resolve(path, within: root) {
        case .success(let found): entry = found
        case .failure(let failure): return failure.lookup
        }
        do {
            let size = try repository.blobSize(entry.id)
            if size > limit && size > Int64(LFSPointer.maxSize) { return .tooLarge(size) }
            let data = try repository.readBlob(entry.id)
            return LFSContent.resolve(data, limit: limit) { self.lfsStore.read($0, limit: limit) }
        } catch {
            return .notReadable("\(error)")
        }
    }

    public func probe(_ path: String, algorithm: String, within root: String) -> BlobProbe {
        let entry: (id: ObjectID, kind: EntryKind)
        if let direct = directFile(path, within: root) {
            entry = direct
        } else {
            switch resolve(path, within: root) {
            case .success(let found): entry = (found.id, found.kind)
            case .failure(let failure):
                if case .notReadable(let why) = failure.lookup { return .notReadable(why) }
                return .missing
            }
        }
        return probe(entry, algorithm: algorithm)
    }

    /// A layout's blobs are looked up by their hex in the blob directory's tree, found once for the directory: no path is
    /// built, scanned or split per blob. Anything else (a link on the way, an entry that is not a plain file, nothing
    /// there) takes the general path.
    public func probe(_ digest: Digest, inDirectory directory: String, within root: String, declaredSize: Int64?)
        -> BlobProbe
    {
        if let tree = blobDirectoryTree(directory, within: root),
            let entry = digest.withHex({ try? repository.entryIDAndKind(named: $0, inTree: tree) }),
            entry.kind == .blob || entry.kind == .executable
        {
            return probe(entry, algorithm: digest.algorithm, declaredSize: declaredSize)
        }
        return probe(OutputPath.join(directory, digest.encoded), algorithm: digest.algorithm, within: root)
    }

    /// The last blob directory looked up, and its tree when it is a plain directory inside the root reached without a link.
    private var lastBlobDirectory: (path: String, root: String, tree: ObjectID?)?

    private func blobDirectoryTree(_ directory: String, within root: String) -> ObjectID? {
        if let last = lastBlobDirectory, last.path == directory, last.root == root { return last.tree }
        let plain = CommitSnapshot.isPlain(directory) && CommitSnapshot.isInside(directory + "/", root)
        let tree = plain ? self.tree(ofDirectoryPath: directory) : nil
        lastBlobDirectory = (directory, root, tree)
        return tree
    }

    /// Reads a file entry's size and content as `probe` reports them: an LFS pointer, or the content's size and digest.
    /// A blob declared no larger than `GitRepository.streamAbove` is read whole at once, its size not asked first.
    private func probe(_ entry: (id: ObjectID, kind: EntryKind), algorithm: String, declaredSize: Int64? = nil)
        -> BlobProbe
    {
        if let known = repository.knownHash(entry.id, algorithm: algorithm) {
            return .content(size: known.size, digest: known.digest)
        }
        do {
            // A blob declared small, or small enough to be an LFS pointer, is read whole once: parsed as a pointer,
            // else hashed from that copy. Only a larger one has its size asked first, to be hashed as it is inflated.
            if let declaredSize, declaredSize >= 0, declaredSize <= GitRepository.streamAbove {
                return try probeWhole(entry.id, algorithm: algorithm)
            }
            let size = try repository.blobSize(entry.id)
            if size <= Int64(LFSPointer.maxSize) { return try probeWhole(entry.id, algorithm: algorithm) }
            let hash = try repository.hashBlob(entry.id, algorithm: algorithm, size: size)
            return .content(size: hash.size, digest: hash.digest)
        } catch {
            return .notReadable("\(error)")
        }
    }

    /// A blob read whole: an LFS pointer, or its content's size and digest (remembered unless it is pointer-sized).
    private func probeWhole(_ id: ObjectID, algorithm: String) throws -> BlobProbe {
        try repository.withBlobContent(id) { bytes -> BlobProbe in
            if bytes.count <= LFSPointer.maxSize, bytes.starts(with: "version ".utf8),
                let pointer = LFSPointer.parse(Data(bytes))
            {
                return .lfsPointer(pointer)
            }
            let hash = repository.hashBlob(
                id, algorithm: algorithm, bytes: bytes, remember: bytes.count > LFSPointer.maxSize)
            return .content(size: hash.size, digest: hash.digest)
        }
    }

    public func exists(_ path: String) -> Bool {
        if case .success = resolve(path, within: "") { return true }
        return false
    }

    /// The file entry `path` reaches, links followed inside the repository; nil when there is none.
    func resolvedEntry(_ path: String) -> TreeEntry? {
        if case .success(let entry) = resolve(path, within: "") { return entry }
        return nil
    }

    /// The directory of the last `directFile` lookup: a layout's blobs are looked up one after another in one directory.
    private var lastDirectory: (path: String, tree: ObjectID)?

    /// The file a plain path inside `root` names directly (no link crossed), found without copying its name; nil when the
    /// path needs the general resolution (not plain, outside the root, a link, missing or unreadable on the way).
    private func directFile(_ path: String, within root: String) -> (id: ObjectID, kind: EntryKind)? {
        guard CommitSnapshot.isPlain(path), CommitSnapshot.isInside(path, root) else { return nil }
        var path = path
        return path.withUTF8 { bytes -> (id: ObjectID, kind: EntryKind)? in
            guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return nil }
            let parentBytes = UnsafeBufferPointer(rebasing: bytes[..<slash])
            let tree: ObjectID
            if var last = lastDirectory, last.path.withUTF8({ CommitSnapshot.same($0, parentBytes) }) {
                tree = last.tree
            } else {
                let parent = String(decoding: parentBytes, as: UTF8.self)
                guard let found = self.tree(ofDirectoryPath: parent) else { return nil }
                lastDirectory = (parent, found)
                tree = found
            }
            let name = UnsafeBufferPointer(rebasing: bytes[(slash + 1)...])
            guard let found = try? repository.entryIDAndKind(named: name, inTree: tree),
                found.kind == .blob || found.kind == .executable
            else { return nil }
            return found
        }
    }

    /// Follows `path` to a file entry, links confined to `root`.
    private func resolve(_ path: String, within root: String) -> Result<TreeEntry, FileLookupFailure> {
        // Fast path: a plain path inside the root that reaches a file directly crossed no link (a link is not a tree).
        if CommitSnapshot.isPlain(path), CommitSnapshot.isInside(path, root), let direct = entry(at: path),
            direct.kind == .blob || direct.kind == .executable
        {
            return .success(direct)
        }
        switch SymlinkResolver.resolve(path, within: root, node: node) {
        case .file(let resolved):
            guard let entry = entry(at: resolved) else { return .failure(FileLookupFailure(lookup: .missing)) }
            return .success(entry)
        case .missing:
            return .failure(FileLookupFailure(lookup: .missing))
        case .notReadable(let why):
            return .failure(FileLookupFailure(lookup: .notReadable(why)))
        }
    }

    private func node(_ path: String) -> PathNode {
        guard let entry = entry(at: path) else { return .missing }
        switch entry.kind {
        case .tree: return .directory
        case .blob, .executable: return .file
        case .submodule: return .other("\(path.debugQuoted) is a submodule, whose content is not in this repository")
        case .symlink:
            guard let target = try? repository.readBlob(entry.id, limit: CommitSnapshot.maxLinkTarget),
                let text = String(data: target, encoding: .utf8), !text.contains("\0")
            else {
                return .other("\(path.debugQuoted) is a symbolic link whose target cannot be read")
            }
            return .symlink(text)
        }
    }
}
