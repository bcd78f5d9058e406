import ImageModel

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A forward-only source of bytes, so an archive of any size is read in one pass with a fixed-size buffer instead of in memory.
public protocol ByteStream: AnyObject {
    /// Fills up to `buffer.count` bytes; 0 means the end. Throws `ArchiveStreamError` when the bytes cannot be read.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Why a stream stopped before its end: the message names the layer (git, LFS store, gzip) that failed.
public struct ArchiveStreamError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Bytes already in memory (tests, the fuzzer, in-memory sources).
public final class DataByteStream: ByteStream {
    private let data: Data
    private var offset = 0

    public init(_ data: Data) {
        self.data = data
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, data.count - offset)
        guard count > 0, let base = buffer.baseAddress else { return 0 }
        data.withUnsafeBytes { source in
            if let start = source.baseAddress { base.copyMemory(from: start + offset, byteCount: count) }
        }
        offset += count
        return count
    }
}

/// A Git LFS object read from the local store in chunks, checked against its pointer as it passes: a short, long or corrupt
/// object ends the stream with an error rather than being read as if it were the committed content.
final class LFSObjectStream: ByteStream {
    /// A plain descriptor: FoundationEssentials has no `FileHandle`.
    private let fd: Int32
    private let pointer: LFSPointer
    private var hasher = ContentHasher(algorithm: "sha256")
    private var total: Int64 = 0
    private var finished = false

    init?(store: LFSObjectStore, pointer: LFSPointer) {
        guard store.contains(pointer) else { return nil }
        let fd = open(store.path(for: pointer), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.fd = fd
        self.pointer = pointer
    }

    deinit {
        close(fd)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished else { return 0 }
        var count = -1
        while count < 0 {
            count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count < 0, errno != EINTR {
                throw ArchiveStreamError(
                    "the local Git LFS object \(pointer.oid.short) cannot be read: \(String(cString: strerror(errno)))")
            }
        }
        if count == 0 {
            finished = true
            guard total == pointer.size else {
                throw ArchiveStreamError(
                    "the local Git LFS object \(pointer.oid.short) is \(total) bytes but its pointer says \(pointer.size)"
                )
            }
            guard hasher?.finalize() == pointer.oid else {
                throw ArchiveStreamError(
                    "the local Git LFS object \(pointer.oid.short) does not hash to its oid (corrupt store; run `git lfs fsck`)"
                )
            }
            return 0
        }
        total += Int64(count)
        guard total <= pointer.size else {
            throw ArchiveStreamError(
                "the local Git LFS object \(pointer.oid.short) is longer than the \(pointer.size) bytes its pointer says"
            )
        }
        hasher?.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        return count
    }
}
