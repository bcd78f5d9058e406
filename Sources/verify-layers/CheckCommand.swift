import ArgumentParser
import Verification

/// `verify-layers check [<rev>]`: every image output in the tree at a revision.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every image output in the tree of a revision against ECR Public."
    )

    @Argument(help: "The revision whose tree to check.")
    var revision: String = "HEAD"

    @OptionGroup var options: SharedOptions

    func run() throws {
        try runReportingFailures {
            let context = try RunContext(options: options)
            let commit = try context.commit(revision)
            let config = try context.config(at: commit)
            let scan = try context.scanTree(commit, config: config)
            let client = try context.makeClient()
            let report = Verifier(registry: client, options: context.verifyOptions(config)).verify(scan, started: context.started)
            return try context.emit(report)
        }
    }
}
