import Reports

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// write(2), named apart from the sink's own `write`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, bytes, count)
    #else
    return Darwin.write(descriptor, bytes, count)
    #endif
}

/// Writes a report to a file descriptor in 64 KiB chunks as reporters produce it, so no report is held whole.
final class FileDescriptorSink: ReportSink {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private static let chunk = 64 << 10
    /// The first write error (errno); later writes are dropped.
    private(set) var failure: Int32?

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(Self.chunk)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.chunk { flush() }
    }

    /// Writes out what is buffered; call once the report is complete.
    func flush() {
        defer { buffer.removeAll(keepingCapacity: true) }
        guard failure == nil else { return }
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { raw in
                systemWrite(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                failure = errno
                return
            }
            offset += written
        }
    }

    /// Streams `body`'s output into `path` through a temporary file beside it, renamed into place when complete. A path
    /// that is not a plain file (`/dev/stdout`, a pipe, a symbolic link) is written through instead: a rename would
    /// swap the device node or link for a plain file, and the reader would get nothing.
    static func writeFile(_ path: String, _ body: (FileDescriptorSink) -> Void) throws {
        if let standard = standardStreams[path] {
            // The process's own stream, already open (and perhaps written to: reopening would start at offset 0).
            let sink = FileDescriptorSink(descriptor: standard)
            body(sink)
            sink.flush()
            if let failure = sink.failure { throw cannotWrite(path, failure) }
            return
        }
        var link = stat()
        if lstat(path, &link) == 0, link.st_mode & S_IFMT != S_IFREG { return try writeThrough(path, body) }
        let temporary = path + ".tmp-\(getpid())"
        do {
            try stream(into: temporary, flags: O_CREAT | O_TRUNC, reportPath: path, body)
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let failure = errno
            unlink(temporary)
            throw cannotWrite(path, failure)
        }
    }

    /// Fails (78) before anything is read or asked when a report could not be written at `path` (its directory is
    /// missing or read-only), instead of after a run whose own exit code it would then hide.
    static func requireWritable(_ path: String) throws {
        if standardStreams[path] != nil { return }
        var existing = stat()
        if lstat(path, &existing) == 0, existing.st_mode & S_IFMT != S_IFREG { return }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        guard access(directory, W_OK | X_OK) == 0 else { throw cannotWrite(path, errno) }
    }

    /// The names of the process's own output streams (`-` is standard output, as for curl's `-o -`).
    private static let standardStreams: [String: Int32] = [
        "-": STDOUT_FILENO, "/dev/stdout": STDOUT_FILENO, "/dev/stderr": STDERR_FILENO, "/dev/fd/1": STDOUT_FILENO,
        "/dev/fd/2": STDERR_FILENO, "/proc/self/fd/1": STDOUT_FILENO, "/proc/self/fd/2": STDERR_FILENO,
    ]

    /// Writes into an existing non-plain path in place (truncating only what resolves to a plain file).
    private static func writeThrough(_ path: String, _ body: (FileDescriptorSink) -> Void) throws {
        var target = stat()
        let plain = stat(path, &target) == 0 && target.st_mode & S_IFMT == S_IFREG
        try stream(into: path, flags: O_CREAT | (plain ? O_TRUNC : 0), reportPath: path, body)
    }

    /// Opens `file` for writing with `flags`, streams `body` into it and closes it; a failure names the report's `path`.
    private static func stream(
        into file: String, flags: Int32, reportPath path: String, _ body: (FileDescriptorSink) -> Void
    ) throws {
        let descriptor = open(file, O_WRONLY | O_CLOEXEC | flags, 0o644)
        guard descriptor >= 0 else { throw cannotWrite(path, errno) }
        let sink = FileDescriptorSink(descriptor: descriptor)
        body(sink)
        sink.flush()
        let closed = close(descriptor)
        if let failure = sink.failure ?? (closed != 0 ? errno : nil) { throw cannotWrite(path, failure) }
    }

    private static func cannotWrite(_ path: String, _ code: Int32) -> Failure {
        Failure.config("cannot write report \(path): \(String(cString: strerror(code)))")
    }
}
