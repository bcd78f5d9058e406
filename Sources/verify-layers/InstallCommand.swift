import ArgumentParser
import Pipeline

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `verify-layers install`: puts the pre-push hook where git will run it, keeping (and chaining) a foreign hook.
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the pre-push hook into this repository.",
        discussion: """
            The hook goes into the directory git runs hooks from (core.hooksPath when set, else the repository's \
            hooks directory, shared by linked worktrees). An existing pre-push hook that is not verify-layers' is kept \
            as \(HookScript.chainedName) and runs first with the same input. Running install again is harmless.
            """
    )

    @Flag(help: "Replace a previously kept \(HookScript.chainedName) instead of refusing.")
    var force = false

    func run() throws {
        try runReportingFailures {
            let files = try HookFiles.forCurrentRepository(environment: ProcessInfo.processInfo.environment)
            for message in try files.install(force: force) { Console.out(message + "\n") }
            return 0
        }
    }
}
