import ArgumentParser
import Pipeline
import Reports

/// The command tree; each subcommand is one type in its own file.
@main
struct VerifyLayers: ParsableCommand {
    /// The release version (`0.3.0`), or `0.0.0-dev` for a build that `make dist` did not stamp.
    static let version = BuildStamp.version

    static let configuration = CommandConfiguration(
        commandName: "verify-layers",
        abstract: "Check that the container image layers committed to git exist in Amazon ECR Public.",
        version: BuildStamp.versionLine,
        subcommands: [
            CheckCommand.self, PrePushCommand.self, CICommand.self, ListCommand.self,
            InstallCommand.self, UninstallCommand.self, DoctorCommand.self,
        ]
    )

    /// The hook's own `pre-push <remote> <url>` skips the parser (`HookFastPath`); `--version --verbose` (or `-v`) also
    /// names the libgit2 and libcurl in use; a mistyped subcommand gets git's
    /// "did you mean" (exit 64) before the parser's generic "unexpected argument", and a shared option the command does
    /// not offer says why (`OptionScope`); everything else is ArgumentParser's (`main(_:)`'s parse and run, here so
    /// that every way out passes `Pipeline.finish()` first).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        Pipeline.prepare(arguments: arguments)
        do {
            try run(arguments)
        } catch {
            Pipeline.finish()
            Self.exit(withError: error)
        }
        Pipeline.finish()
    }

    private static func run(_ arguments: [String]) throws {
        if let hook = HookFastPath.prePushArguments(arguments) {
            try runReportingFailures {
                try Pipeline.prePush(remote: hook.remote, url: hook.url, settings: RunSettings())
            }
            return
        }
        if arguments.contains("--version"), arguments.contains("--verbose") || arguments.contains("-v") {
            Console.out(BuildStamp.versionLine + "\n" + BuildStamp.libraries.map { "  \($0.0) \($0.1)\n" }.joined())
            return
        }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        if let message = CommandSuggestion.message(arguments, commands: names) ?? OptionScope.message(arguments) {
            Console.err(message)
            throw ExitCode.validationFailure
        }
        var command = try parseAsRoot(nil)
        try command.run()
    }
}

/// Finds the command a typo was meant to be, by edit distance, as git does for `git chekout`.
enum CommandSuggestion {
    /// The message for an unknown first word, or nil when it is a command, an option, or nothing at all.
    static func message(_ arguments: [String], commands: [String]) -> String? {
        guard let word = arguments.first, !word.hasPrefix("-"), !commands.contains(word) else { return nil }
        let ranked = commands.map { ($0, distance(word.lowercased(), $0)) }.sorted { $0.1 < $1.1 }
        var text =
            "verify-layers: '\(TerminalText.sanitize(String(word.prefix(60))))' is not a verify-layers command. See 'verify-layers --help'."
        let close = ranked.filter { $0.1 <= max(2, $0.0.count / 3) }.map(\.0)
        if !close.isEmpty {
            text +=
                "\n\nThe most similar command\(close.count == 1 ? " is" : "s are")\n"
                + close.map { "\t\($0)" }.joined(separator: "\n")
        }
        return text
    }

    /// Damerau-free Levenshtein distance; command names are short, so the plain table is enough.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
