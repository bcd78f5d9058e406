import Foundation
import ImageModel
import Reporters

/// Writes what a GitHub Actions step leaves besides its log: the job summary and the step outputs, appended to the files
/// the runner names (`$GITHUB_STEP_SUMMARY`, `$GITHUB_OUTPUT`). A file that cannot be written is a warning, not a failure:
/// the check itself has already been reported.
enum CIOutputs {
    static func writeGitHub(_ report: RunReport, environment: [String: String]) {
        if let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty {
            let existing = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            let markdown = GitHubStepSummary.markdown(report, byteLimit: GitHubStepSummary.byteLimit - existing)
            if markdown.isEmpty {
                Console.err("verify-layers: warning: the step summary is already near GitHub's 1 MiB limit; nothing added")
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
        do {
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            let end = try handle.seekToEnd()
            var data = Data(text.utf8)
            if end > 0 {
                try handle.seek(toOffset: end - 1)
                if let last = try handle.read(upToCount: 1), last != Data("\n".utf8) { data.insert(0x0A, at: 0) }
                try handle.seekToEnd()
            }
            try handle.write(contentsOf: data)
        } catch {
            Console.err("verify-layers: warning: cannot write the \(what) file \(path): \(error.localizedDescription)")
        }
    }
}
