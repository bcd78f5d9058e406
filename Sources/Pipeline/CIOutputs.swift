import ImageModel
import Reports

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes what a GitHub Actions step leaves besides its log: the job summary and the step outputs, appended to the files
/// the runner names (`$GITHUB_STEP_SUMMARY`, `$GITHUB_OUTPUT`). A file that cannot be written is a warning, not a failure:
/// the check itself has already been reported.
enum CIOutputs {
    static func writeGitHub(_ report: RunReport, environment: [String: String]) {
        if let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty {
            var info = stat()
            let existing = stat(path, &info) == 0 ? Int(info.st_size) : 0
            let markdown = GitHubStepSummary.markdown(report, byteLimit: GitHubStepSummary.byteLimit - existing)
            if markdown.isEmpty {
                Console.err(
                    "verify-layers: warning: the step summary is already near GitHub's 1 MiB limit; nothing added")
            } else {
                append(markdown, to: path, what: "step summary")
            }
        }
        if let path = environment["GITHUB_OUTPUT"], !path.isEmpty {
            append(GitHubStepSummary.outputs(report), to: path, what: "step outputs")
        }
    }

    /// Appends, creating the file when missing (the runner creates it; a local imitation may not).
    static func append(_ text: String, to path: String, what: String) {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                Console.err("verify-layers: warning: cannot create the \(what) file \(path)")
                return
            }
        }
        let fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else {
            Console.err(
                "verify-layers: warning: cannot write the \(what) file \(path): \(String(cString: strerror(errno)))")
            return
        }
        defer { close(fd) }
        var bytes = Array(text.utf8)
        let end = lseek(fd, 0, SEEK_END)
        var last: UInt8 = 0x0A
        if end > 0, pread(fd, &last, 1, end - 1) == 1, last != 0x0A { bytes.insert(0x0A, at: 0) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                Console.err(
                    "verify-layers: warning: cannot write the \(what) file \(path): \(String(cString: strerror(errno)))"
                )
                return
            }
            written += count
        }
    }
}
