import ArgumentParser
import Verification

/// `verify-layers check [<rev>]`: every image output in the tree at a revision, or only what `--range A..B` introduced.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every image output in the tree of a revision against ECR Public."
    )

    @Argument(help: "The revision whose tree to check (default HEAD).")
    var revision: String?

    @Option(help: ArgumentHelp("Check only the outputs added or changed by the commits in A..B (as git log A..B).", valueName: "A..B"))
    var range: String?

    @OptionGroup(title: "Scan options") var scan: ScanOptions
    @OptionGroup(title: "Service options") var service: ServiceOptions
    @OptionGroup(title: "Output options") var output: OutputOptions
    var options: SharedOptions { SharedOptions(scan: scan, service: service, output: output) }

    func validate() throws {
        if range != nil && revision != nil { throw ValidationError("give either a revision or --range, not both") }
    }

    func run() throws {
        try runReportingFailures {
            let context = try RunContext(options: options)
            let progress = ProgressLine.make(quiet: options.quiet)
            defer { progress?.finish() }
            if let range {
                let (base, head) = try RangeSyntax.parse(range)
                let request = RangeRequest(tip: try context.commit(head), hidden: [try context.commit(base)])
                return try context.verifyIntroduced(try context.planIntroduced([request], progress: progress), progress: progress)
            }
            let commit = try context.commit(revision ?? "HEAD")
            let config = try context.config(at: commit)
            progress?.update("reading \(commit.short)")
            let verifier = try context.makeVerifier(config, progress: progress)
            // Calls start while the tree is still being read: a batch leaves as soon as it holds 100 digests.
            let report = try verifier.verify(reading: { emit in
                try withoutActuallyEscaping(emit) { emit in try context.scanTree(commit, config: config, emit: emit) }
            }, started: context.started)
            progress?.finish()
            return try context.emit(report)
        }
    }
}
