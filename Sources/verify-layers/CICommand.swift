import ArgumentParser
import Pipeline

/// `verify-layers ci`: checks what a GitHub Actions or GitLab CI run introduced, in the format that environment reads.
struct CICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ci",
        abstract: "Check what a GitHub Actions or GitLab CI pipeline run introduced.",
        discussion: """
            The range comes from the event (GitHub push: before..after, pull_request: base..head, or GITHUB_BASE_REF \
            when the event names no base commit; GitLab: CI_COMMIT_BEFORE_SHA or CI_MERGE_REQUEST_DIFF_BASE_SHA). \
            When the base is unknown, all zeros, or missing from a shallow clone, the full tree at HEAD is checked \
            instead. The positive cache is not used.
            """
    )

    @OptionGroup(title: "Scan options") var scan: ScanOptions
    @OptionGroup(title: "Service options") var service: ServiceOptions
    @OptionGroup(title: "Output options") var output: OutputOptions

    func run() throws {
        let settings = runSettings(scan, service, output)
        try runReportingFailures { try Pipeline.ci(settings: settings) }
    }
}
