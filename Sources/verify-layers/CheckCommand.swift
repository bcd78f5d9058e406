import ArgumentParser
import Pipeline

/// `verify-layers check [<rev>]`: every image output in the tree at a revision, or only what `--range A..B` introduced.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every image output in the tree of a revision against ECR Public."
    )

    @Argument(help: "The revision whose tree to check (default HEAD).")
    var revision: String?

    @Option(
        help: ArgumentHelp(
            "Check only the outputs added or changed by the commits in A..B (as git log A..B).", valueName: "A..B"))
    var range: String?

    @OptionGroup(title: "Scan options") var scan: ScanOptions
    @OptionGroup(title: "Service options") var service: ServiceOptions
    @OptionGroup(title: "Output options") var output: OutputOptions

    func validate() throws {
        if range != nil && revision != nil { throw ValidationError("give either a revision or --range, not both") }
    }

    func run() throws {
        let settings = runSettings(scan, service, output)
        try runReportingFailures { try Pipeline.check(revision: revision, range: range, settings: settings) }
    }
}
