#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The only place that writes to the terminal.
public enum Console {
    public static func out(_ text: String) {
        write(text, to: STDOUT_FILENO)
    }

    public static func err(_ text: String) {
        write(text.hasSuffix("\n") ? text : text + "\n", to: STDERR_FILENO)
    }

    /// stderr as is, without a line break (the progress line redraws itself).
    public static func writeErr(_ text: String) {
        write(text, to: STDERR_FILENO)
    }

    /// Unbuffered, all of it: output and exit code must agree even when the process ends right after.
    private static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            bytes = bytes.dropFirst(count)
        }
    }

    public static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }
    public static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }
}
