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

/// What the local LFS store holds for one pointer.
public enum LFSObjectLookup: Sendable {
    case found(Data)
    case missing
    case tooLarge(Int64)
    /// The object is there but does not match its pointer (size or sha256).
    case corrupt(String)
}

/// The local Git LFS object store (`<git-common-dir>/lfs/objects/ab/cd/<oid>`, or under `lfs.storage`): libgit2 does not run
/// the smudge filter, so content committed through LFS is only reachable here.
public struct LFSObjectStore: Sendable {
    public let objectsDirectory: String

    public init(objectsDirectory: String) {
        self.objectsDirectory = objectsDirectory
    }

    /// The store git-lfs itself would use for this repository: `lfs.storage` when set (relative to the common dir), else `lfs`.
    public init(repository: GitRepository) throws {
        let common =
            repository.commonDir.hasSuffix("/") ? String(repository.commonDir.dropLast()) : repository.commonDir
        var storage = common + "/lfs"
        if let configured = try repository.configString("lfs.storage"), !configured.isEmpty {
            storage = configured.hasPrefix("/") ? configured : common + "/" + configured
        }
        self.init(objectsDirectory: storage + "/objects")
    }

    /// Where the object lives; safe to build because the oid passed the digest grammar.
    public func path(for pointer: LFSPointer) -> String {
        let hex = pointer.oid.encoded
        return "\(objectsDirectory)/\(hex.prefix(2))/\(hex.dropFirst(2).prefix(2))/\(hex)"
    }

    public func contains(_ pointer: LFSPointer) -> Bool {
        var isDirectory = false
        return FileManager.default.fileExists(atPath: path(for: pointer), isDirectory: &isDirectory) && !isDirectory
    }

    /// Reads an object of at most `limit` bytes and checks it against its pointer.
    public func read(_ pointer: LFSPointer, limit: Int64) -> LFSObjectLookup {
        let file = path(for: pointer)
        guard contains(pointer) else { return .missing }
        let wanted = Int(min(limit, Int64(Int32.max)) + 1)
        guard let content = FileDescriptorReader.read(file, upTo: wanted) else {
            return .corrupt("the local Git LFS object \(file) cannot be read")
        }
        return LFSContent.check(content, against: pointer, limit: limit)
    }
}

/// The one place LFS pointers in a tree are turned into content (or into why there is none), shared by every `FileSource`.
enum LFSContent {
    /// `data` as read from the tree: when it is a pointer, the object's content from `object`; else the data itself.
    static func resolve(_ data: Data, limit: Int64, object: (LFSPointer) -> LFSObjectLookup) -> FileLookup {
        guard let pointer = LFSPointer.parse(data) else {
            return Int64(data.count) > limit ? .tooLarge(Int64(data.count)) : .file(data)
        }
        if pointer.size > limit { return .tooLarge(pointer.size) }
        switch object(pointer) {
        case .found(let content): return .file(content)
        case .missing: return .lfsObjectMissing(pointer)
        case .tooLarge(let size): return .tooLarge(size)
        case .corrupt(let why): return .notReadable(why)
        }
    }

    /// An object read from a store (at most `limit` + 1 bytes) against its pointer.
    static func check(_ content: Data, against pointer: LFSPointer, limit: Int64) -> LFSObjectLookup {
        if Int64(content.count) > limit { return .tooLarge(max(pointer.size, Int64(content.count))) }
        guard Int64(content.count) == pointer.size else {
            return .corrupt(
                "the local Git LFS object \(pointer.oid.short) is \(content.count) bytes but its pointer says \(pointer.size)"
            )
        }
        guard ContentDigest.compute(content, algorithm: "sha256") == pointer.oid else {
            return .corrupt(
                "the local Git LFS object \(pointer.oid.short) does not hash to its oid (corrupt store; run `git lfs fsck`)"
            )
        }
        return .found(content)
    }
}
