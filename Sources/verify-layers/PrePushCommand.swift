import ArgumentParser
import Pipeline

/// `verify-layers pre-push <remote> [<url>]`: git's pre-push protocol (SPEC §1.1), short like git-lfs's: honour the skip
/// variable, read every ref line, work out what the remote lacks, hand off to the range scan and the verifier.
struct PrePushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pre-push",
        abstract: "Check the commits a git push sends (git's pre-push hook protocol).",
        discussion: """
            git runs this from the hook with the remote's name and URL and one line per ref on stdin: \
            <local ref> <local oid> <remote ref> <remote oid>. Set VERIFY_LAYERS_SKIP=1 (or use git push --no-verify) to skip.
            """
    )

    @Argument(help: "The remote's name (or its URL when pushing to a URL); defaults to PRE_COMMIT_REMOTE_NAME.")
    var remote: String?

    @Argument(help: "The remote's URL.")
    var url: String?

    @OptionGroup(title: "Scan options") var scan: ScanOptions
    @OptionGroup(title: "Service options") var service: ServiceOptions
    @OptionGroup(title: "Output options") var output: OutputOptions

    func run() throws {
        let settings = runSettings(scan, service, output)
        try runReportingFailures { try Pipeline.prePush(remote: remote, url: url, settings: settings) }
    }
}
