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
        return try withBlobContent(id) { Data($0) }
    }

    /// Lends a blob's content, read whole with one object lookup: every whole read of a blob goes through here. A caller
    /// that expects a small blob (its descriptor says so) calls it without reading the header first, which looks the
    /// object up in the pack index a second time (about a tenth of a cold check over a layout of small blobs).
    public func withBlobContent<T>(_ id: ObjectID, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        var object: OpaquePointer?
        var oid = id.raw
        try withDatabase { odb in
            _ = try gitCheck(git_odb_read(&object, odb, &oid), "cannot read blob \(id.short)")
        }
        defer {
            git_odb_object_free(object)
            releaseCachesIfDue()
        }
        guard git_odb_object_type(object) == GIT_OBJECT_BLOB else {
            throw GitError(kind: .other, message: "cannot read blob \(id.short): the object is not a blob")
        }
        return try body(UnsafeRawBufferPointer(start: git_odb_object_data(object), count: git_odb_object_size(object)))
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
