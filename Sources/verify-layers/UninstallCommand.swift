import ArgumentParser
import Pipeline

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `verify-layers uninstall`: removes our hook and puts back the foreign hook install kept; leaves others' hooks alone.
struct UninstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove the pre-push hook installed by verify-layers."
    )

    func run() throws {
        try runReportingFailures {
            let files = try HookFiles.forCurrentRepository(environment: ProcessInfo.processInfo.environment)
            for message in try files.uninstall() { Console.out(message + "\n") }
            return 0
        }
    }
}
