import ArgumentParser

/// `verify-layers install` (being built; see its issue).
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the pre-push hook into this repository."
    )

    func run() throws {
        try runReportingFailures {
            throw Failure.usage("`install` is not available in this build yet")
        }
    }
}
