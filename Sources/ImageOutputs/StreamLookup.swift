import GitAccess
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What opening one repo-relative file as a stream gave: an archive is read through this, never loaded whole.
public enum StreamLookup {
    case stream(ByteStream)
    case missing
    case notReadable(String)
    /// The file is a Git LFS pointer whose object is not in the local LFS store.
    case lfsObjectMissing(LFSPointer)
}

extension FileSource {
    /// Sources that hold their files in memory stream them from there; `CommitSnapshot` streams git objects and LFS files.
    public func openStream(_ path: String) -> StreamLookup {
        switch read(path, limit: .max) {
        case .file(let data): return .stream(DataByteStream(data))
        case .missing: return .missing
        case .tooLarge(let size): return .notReadable("it is \(size) bytes, too large to read")
        case .notReadable(let why): return .notReadable(why)
        case .lfsObjectMissing(let pointer): return .lfsObjectMissing(pointer)
        }
    }
}

extension CommitSnapshot {
    /// Streams a file of this commit: a git blob chunk by chunk (loose objects from disk; packed ones from the one buffer
    /// libgit2 inflates them into), or, for an LFS pointer, its object from the local store, checked against the pointer.
    public func openStream(_ path: String) -> StreamLookup {
        guard let entry = resolvedEntry(path) else {
            if case .notReadable(let why) = read(path, limit: 0) { return .notReadable(why) }
            return .missing
        }
        do {
            if try repository.blobSize(entry.id) <= Int64(LFSPointer.maxSize),
                let pointer = LFSPointer.parse(try repository.readBlob(entry.id))
            {
                guard let stream = LFSObjectStream(store: lfsStore, pointer: pointer) else {
                    return .lfsObjectMissing(pointer)
                }
                return .stream(stream)
            }
            return .stream(try repository.openBlobStream(entry.id))
        } catch {
            return .notReadable("\(error)")
        }
    }
}

/// A git blob streams like any other file of an output.
extension GitBlobStream: ByteStream {}
