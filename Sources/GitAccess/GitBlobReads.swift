import CGit2
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Blob reads: a blob's size from its header, its content under a limit, or a stream of it.
extension GitRepository {
    /// The size of a blob without reading its content.
    public func blobSize(_ id: ObjectID) throws -> Int64 {
        var length = 0
        var type = GIT_OBJECT_ANY
        var oid = id.raw
        try withDatabase { odb in
            _ = try gitCheck(git_odb_read_header(&length, &type, odb, &oid), "cannot read object \(id.short)")
        }
        return Int64(length)
    }

    /// Reads a blob's content, refusing blobs over `limit` bytes before loading them.
    public func readBlob(_ id: ObjectID, limit: Int64 = .max) throws -> Data {
        if limit != .max {
            let size = try blobSize(id)
            if size > limit { throw BlobTooLarge(size: size, limit: limit) }
        }
        var blob: OpaquePointer?
        var oid = id.raw
        try gitCheck(git_blob_lookup(&blob, handle, &oid), "cannot read blob \(id.short)")
        defer {
            git_blob_free(blob)
            releaseCachesIfDue()
        }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: content, count: size)
    }

    /// A blob as a stream of bytes, for archives too large to hold in memory.
    public func openBlobStream(_ id: ObjectID) throws -> GitBlobStream {
        try GitBlobStream(repository: handle, owner: self, id: id)
    }
}

/// A blob over a size limit; the caller turns it into a finding.
public struct BlobTooLarge: Error, Sendable {
    public let size: Int64
    public let limit: Int64
}
