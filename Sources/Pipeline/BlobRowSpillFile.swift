import ImageModel
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The blob rows of a run's judged images (and, past `HeldImages.judgedKeptInMemory`, the judged images), in a scratch
/// file in the cache directory (`.git/verify-layers/`), unlinked as soon as it is created: nothing is left behind,
/// whatever ends the run. Written as repositories are judged (the reading thread), read back image by image while the
/// reports are written; rows are records like any other (`BlobRowSpill.spill`, `readBack`).
final class BlobRowSpillFile: BlobRowSpill {
    private let descriptor: Int32
    private let state = Mutex(State())

    private struct State {
        var end: Int64 = 0
        var readFailures = 0
    }

    /// A scratch file in `directory` (created if missing); nil when none can be made there, and the run keeps its rows
    /// in memory instead.
    init?(directory: String) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var template = Array((directory + "/.blob-rows-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return nil }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    var readFailures: Int { state.withLock { $0.readFailures } }

    func store(_ bytes: [UInt8]) -> SpilledBytes? {
        state.withLock { state -> SpilledBytes? in
            let offset = state.end
            guard write(bytes, at: offset) else { return nil }
            state.end += Int64(bytes.count)
            return SpilledBytes(offset: offset, length: bytes.count)
        }
    }

    func load<Value>(_ stored: SpilledBytes, decoding decode: ([UInt8]) -> Value?) -> Value? {
        guard let bytes = read(stored.offset, stored.length), let value = decode(bytes) else {
            state.withLock { $0.readFailures += 1 }
            return nil
        }
        return value
    }

    /// The `length` bytes at `offset`; nil when the file has fewer or cannot be read.
    private func read(_ offset: Int64, _ length: Int) -> [UInt8]? {
        guard length > 0, offset >= 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let count = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, length - done, off_t(offset) + off_t(done))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            done += count
        }
        return done == length ? bytes : nil
    }

    private func write(_ bytes: [UInt8], at offset: Int64) -> Bool {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes {
                pwrite(descriptor, $0.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            done += count
        }
        return true
    }
}
