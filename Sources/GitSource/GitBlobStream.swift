import CGit2
import Foundation

/// One git blob read as a stream: loose objects through libgit2's object-database stream in chunks; packed objects (which
/// libgit2 1.5 cannot stream) from the single buffer it inflates them into, handed out in chunks without another copy.
final class GitBlobStream: ByteStream {
    private var odb: OpaquePointer?
    private var stream: UnsafeMutablePointer<git_odb_stream>?
    private var blob: OpaquePointer?
    private var length = 0
    private var offset = 0
    private let name: String

    init(repository: OpaquePointer, id: ObjectID) throws {
        name = id.short
        try gitCheck(git_repository_odb(&odb, repository), "cannot open the object database")
        var oid = id.raw
        var type = GIT_OBJECT_ANY
        if (try? gitCheck(git_odb_open_rstream(&stream, &length, &type, odb, &oid), "stream")) != nil, stream != nil {
            return
        }
        git_error_clear()  // A packed object: libgit2 cannot stream it, so it is read whole below.
        stream = nil
        try gitCheck(git_blob_lookup(&blob, repository, &oid), "cannot read blob \(id.short)")
        length = Int(git_blob_rawsize(blob))
    }

    deinit {
        if let stream { git_odb_stream_free(stream) }
        if let blob { git_blob_free(blob) }
        if let odb { git_odb_free(odb) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, offset < length else { return 0 }
        let wanted = min(buffer.count, length - offset)
        if let stream {
            let count: Int32
            do {
                count = try gitCheck(git_odb_stream_read(stream, base.assumingMemoryBound(to: CChar.self), wanted), "cannot read blob \(name)")
            } catch {
                throw ArchiveStreamError("\(error)")
            }
            guard count > 0 else { throw ArchiveStreamError("blob \(name) ended after \(offset) of \(length) bytes") }
            offset += Int(count)
            return Int(count)
        }
        guard let blob, let content = git_blob_rawcontent(blob) else { return 0 }
        base.copyMemory(from: content + offset, byteCount: wanted)
        offset += wanted
        return wanted
    }
}

extension GitRepository {
    /// A blob as a stream of bytes, for archives too large to hold in memory.
    public func openBlobStream(_ id: ObjectID) throws -> ByteStream {
        try GitBlobStream(repository: handle, id: id)
    }
}
