import CZlib

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Inflates a gzip stream (RFC 1952, concatenated members too) as it is read: the only code that names zlib, so a compressed
/// archive is decompressed chunk by chunk and bad compressed data is an error, never a crash.
public final class GzipStream: ByteStream {
    private let source: ByteStream
    /// `z_stream` holds pointers into itself once initialised, so it lives at a fixed address for its whole life.
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var initialised = false
    private var sourceEnded = false
    private var finished = false
    /// True once a member ended: more input then starts another member (gzip allows concatenation).
    private var betweenMembers = false
    private static let chunk = 64 * 1024

    public init(_ source: ByteStream) {
        self.source = source
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: GzipStream.chunk, alignment: 16)
    }

    deinit {
        if initialised { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    /// True when `bytes` start with the gzip magic number.
    public static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count >= 2 && bytes.first == 0x1f && bytes.dropFirst().first == 0x8b
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, let out = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if !initialised {
            guard vl_inflate_init_gzip(stream) == Z_OK else { throw ArchiveStreamError("gzip: cannot initialise zlib") }
            initialised = true
        }
        stream.pointee.next_out = out.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(min(buffer.count, Int(UInt32.max)))
        while stream.pointee.avail_out > 0 {
            if stream.pointee.avail_in == 0 && !sourceEnded {
                let count = try source.read(into: input)
                if count == 0 {
                    sourceEnded = true
                } else {
                    stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_in = uInt(count)
                }
            }
            if stream.pointee.avail_in == 0 && sourceEnded {
                if betweenMembers { finished = true; break }
                throw ArchiveStreamError("gzip: the compressed data ends early (truncated)")
            }
            if betweenMembers {
                guard inflateReset(stream) == Z_OK else {
                    throw ArchiveStreamError("gzip: cannot start the next member")
                }
                betweenMembers = false
            }
            let status = inflate(stream, Z_NO_FLUSH)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                betweenMembers = true
            case Z_BUF_ERROR:
                // No progress possible: more input is needed (read above) or the data ended.
                if sourceEnded && stream.pointee.avail_in == 0 {
                    throw ArchiveStreamError("gzip: the compressed data ends early (truncated)")
                }
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw ArchiveStreamError("gzip: bad compressed data (\(reason))")
            }
        }
        return buffer.count - Int(stream.pointee.avail_out)
    }
}
