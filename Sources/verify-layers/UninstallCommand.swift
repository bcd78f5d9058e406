import ArgumentParser

/// `verify-layers uninstall` (being built; see its issue).
struct UninstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove the pre-push hook installed by verify-layers."
    )

    func run() throws {
        try runReportingFailures {
            throw Failure.usage("`uninstall` is not available in this build yet")
        }
    }
}
