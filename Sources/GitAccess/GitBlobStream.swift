import CGit2

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One git blob read as a stream: loose objects through libgit2's object-database stream in chunks; packed objects
/// (which libgit2 1.5 cannot stream) from the single buffer it inflates them into, handed out in chunks without a copy.
/// ImageOutputs makes it a `ByteStream`; its handles never leave this class.
public final class GitBlobStream {
    private var odb: OpaquePointer?
    private var stream: UnsafeMutablePointer<git_odb_stream>?
    private var blob: OpaquePointer?
    private var length = 0
    private var offset = 0
    private let name: String
    /// Keeps the repository (which the blob and the object database belong to) open while the stream lives.
    private let owner: AnyObject

    init(repository: OpaquePointer, owner: AnyObject, id: ObjectID) throws {
        name = id.short
        self.owner = owner
        try gitCheck(git_repository_odb(&odb, repository), "cannot open the object database")
        var oid = id.raw
        var type = GIT_OBJECT_ANY
        do {
            try gitCheck(git_odb_open_rstream(&stream, &length, &type, odb, &oid), "cannot stream blob \(id.short)")
            if stream != nil { return }
        } catch {
            // A packed object: libgit2 cannot stream it, so it is read whole below (a real failure shows there).
            git_error_clear()
        }
        stream = nil
        try gitCheck(git_blob_lookup(&blob, repository, &oid), "cannot read blob \(id.short)")
        length = Int(git_blob_rawsize(blob))
    }

    deinit {
        if let stream { git_odb_stream_free(stream) }
        if let blob { git_blob_free(blob) }
        if let odb { git_odb_free(odb) }
    }

    /// Fills up to `buffer.count` bytes; 0 means the end. Throws `GitError` (with libgit2's message) when the blob
    /// cannot be read or ends before its header's length.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, offset < length else { return 0 }
        let wanted = min(buffer.count, length - offset)
        if let stream {
            let count = try gitCheck(
                git_odb_stream_read(stream, base.assumingMemoryBound(to: CChar.self), wanted),
                "cannot read blob \(name)")
            guard count > 0 else {
                throw GitError(kind: .other, message: "blob \(name) ended after \(offset) of \(length) bytes")
            }
            offset += Int(count)
            return Int(count)
        }
        guard let blob, let content = git_blob_rawcontent(blob) else { return 0 }
        base.copyMemory(from: content + offset, byteCount: wanted)
        offset += wanted
        return wanted
    }
}
