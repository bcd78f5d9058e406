import CGit2
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Blob hashes: a blob hashed in place or streamed, remembered for the run and, with the memo, across runs.
extension GitRepository {
    /// A blob's hash when this run or an earlier one already computed it (only content that is not an LFS pointer is hashed).
    public func knownHash(_ id: ObjectID, algorithm: String) -> BlobHash? {
        let key = BlobHashKey(id: id, algorithm: algorithm)
        // Asked once per blob: an empty table (every cold run) is not hashed into.
        if !hashCache.isEmpty, let known = hashCache[key] { return known }
        return hashMemo?.lookup(key)
    }

    /// Blobs up to this size are hashed from one inflated buffer: trying a stream first costs a loose-object lookup (a
    /// failed `access` per packed blob) that small blobs do not repay.
    public static let streamAbove: Int64 = 1 << 20

    /// Hashes a blob with `algorithm` without copying it: loose objects over `streamAbove` are streamed through
    /// `git_odb_open_rstream` in 1 MiB chunks; packed objects (which libgit2 cannot stream) and small ones are hashed in
    /// place from the one buffer libgit2 inflates them into. Remembered per blob id for the run, so a layer shared by many
    /// images or commits is hashed once. `size` is the blob's size when the caller has read its header already.
    public func hashBlob(_ id: ObjectID, algorithm: String, size: Int64? = nil) throws -> BlobHash {
        if let known = knownHash(id, algorithm: algorithm) { return known }
        guard let hasher = ContentHasher(algorithm: algorithm) else {
            return BlobHash(size: try size ?? blobSize(id), digest: nil, streamed: false)
        }
        let result: BlobHash
        if try size ?? blobSize(id) > GitRepository.streamAbove, let streamed = try hashStreamed(id, hasher) {
            result = streamed
        } else {
            result = try hashInPlace(id, hasher)
        }
        remember(result, for: BlobHashKey(id: id, algorithm: algorithm))
        return result
    }

    /// Hashes the content of blob `id` the caller holds (`withBlobContent`). Remembered like a blob hashed by
    /// `hashBlob(_:algorithm:size:)` when `remember`; not for a blob as small as an LFS pointer, which costs less to hash
    /// again than to keep, save and load its hash (the memo is for blobs whose reading and hashing a cold run pays for).
    public func hashBlob(_ id: ObjectID, algorithm: String, bytes: UnsafeRawBufferPointer, remember: Bool) -> BlobHash {
        guard var hasher = ContentHasher(algorithm: algorithm) else {
            return BlobHash(size: Int64(bytes.count), digest: nil, streamed: false)
        }
        hasher.update(bytes)
        let hash = BlobHash(size: Int64(bytes.count), digest: hasher.finalize(), streamed: false)
        if remember { self.remember(hash, for: BlobHashKey(id: id, algorithm: algorithm)) }
        return hash
    }

    /// The memo, when there is one, is this run's cache too: one copy of each hash, not two.
    private func remember(_ hash: BlobHash, for key: BlobHashKey) {
        if let hashMemo, hash.digest != nil { hashMemo.record(key, hash) } else { hashCache[key] = hash }
    }

    /// Streams a loose blob through the hasher; nil when libgit2 cannot stream it (a packed object).
    private func hashStreamed(_ id: ObjectID, _ start: ContentHasher) throws -> BlobHash? {
        var hasher = start
        var oid = id.raw
        var database: OpaquePointer?
        guard git_repository_odb(&database, handle) == 0, let odb = database else {
            git_error_clear()
            return nil
        }
        defer { git_odb_free(odb) }
        var stream: UnsafeMutablePointer<git_odb_stream>?
        var length = 0
        var type = GIT_OBJECT_ANY
        guard (try? gitCheck(git_odb_open_rstream(&stream, &length, &type, odb, &oid), "stream")) != nil, let stream
        else {
            git_error_clear()
            return nil
        }
        defer { git_odb_stream_free(stream) }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let count = Int(
                try gitCheck(
                    git_odb_stream_read(stream, buffer.assumingMemoryBound(to: CChar.self), chunk),
                    "cannot read blob \(id.short)"))
            if count == 0 { break }
            total += count
            guard total <= length else {
                throw GitError(kind: .other, message: "blob \(id.short) is longer than its header says")
            }
            hasher.update(UnsafeRawBufferPointer(start: buffer, count: count))
        }
        guard total == length else {
            throw GitError(kind: .other, message: "blob \(id.short) ended after \(total) of \(length) bytes")
        }
        return BlobHash(size: Int64(total), digest: hasher.finalize(), streamed: true)
    }

    /// Hashes a blob from the one buffer libgit2 inflates it into.
    private func hashInPlace(_ id: ObjectID, _ start: ContentHasher) throws -> BlobHash {
        var hasher = start
        return try withBlobContent(id) { content in
            hasher.update(content)
            return BlobHash(size: Int64(content.count), digest: hasher.finalize(), streamed: false)
        }
    }

    /// Keeps blob hashes across runs in `<common-dir>/verify-layers/` (see `BlobHashMemo`); call `saveHashMemo()` at the end.
    public func rememberBlobHashes() {
        if hashMemo == nil { hashMemo = BlobHashMemo(directory: cacheDirectory) }
    }

    /// Writes new blob hashes back and frees their in-memory copy until they are needed again.
    public func saveHashMemo() {
        guard let hashMemo else { return }
        hashMemo.saveAndUnload()
        hashCache = [:]
    }
}

/// A blob's size and digest, and whether it was streamed (loose) or hashed from one inflated buffer (packed).
public struct BlobHash: Sendable, Equatable {
    public let size: Int64
    public let digest: Digest?
    public let streamed: Bool
}

struct BlobHashKey: Hashable {
    let id: ObjectID
    /// 1 = sha256, 2 = sha512, 0 = anything else: hashed as a byte, not as text, on every lookup.
    let algorithm: UInt8

    init(id: ObjectID, algorithm: String) {
        self.id = id
        switch algorithm {
        case "sha256": self.algorithm = 1
        case "sha512": self.algorithm = 2
        default: self.algorithm = 0
        }
    }
}
