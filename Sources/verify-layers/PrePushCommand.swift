import ArgumentParser

/// `verify-layers pre-push` (being built; see its issue).
struct PrePushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pre-push",
        abstract: "Check the commits a git push sends (git's pre-push hook protocol)."
    )

    func run() throws {
        try runReportingFailures {
            throw Failure.usage("`pre-push` is not available in this build yet")
        }
    }
}
