import ArgumentParser

/// `verify-layers ci` (being built; see its issue).
struct CICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ci",
        abstract: "Check what a GitHub Actions or GitLab CI pipeline run introduced."
    )

    func run() throws {
        try runReportingFailures {
            throw Failure.usage("`ci` is not available in this build yet")
        }
    }
}
