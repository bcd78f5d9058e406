#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file through open/read: bounded reads of large objects, and devices or pipes (`/dev/null`,
/// `<(…)`) that `FileManager.contents` refuses. FoundationEssentials has no `FileHandle`.
public enum FileDescriptorReader {
    /// At most `limit` bytes from the start of the file, or nil when it cannot be opened or read.
    public static func read(_ path: String, upTo limit: Int) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while data.count < limit {
            let wanted = min(chunk.count, limit - data.count)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, wanted) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        return data
    }

    /// The whole file (or stream, to its end).
    public static func readAll(_ path: String) -> Data? {
        read(path, upTo: Int.max)
    }
}
