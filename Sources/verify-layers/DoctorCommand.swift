import ArgumentParser

/// `verify-layers doctor` (being built; see its issue).
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show the resolved endpoint, region, credentials source and config, then make one live call."
    )

    func run() throws {
        try runReportingFailures {
            throw Failure.usage("`doctor` is not available in this build yet")
        }
    }
}
