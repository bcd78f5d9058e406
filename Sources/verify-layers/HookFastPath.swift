import Pipeline

/// git runs the hook as `verify-layers pre-push <remote> <url>`: no option, so nothing for the parser to decide, while
/// parsing costs three quarters of a no-op push's start-up (the Swift runtime's first protocol-conformance lookups over
/// every record in the static binary; BENCHMARKS.md, start-up). Exactly that form goes straight to the pipeline with
/// every option at its default (`RunSettings()`); anything else — an option, `--help`, a third word — takes the parser.
enum HookFastPath {
    /// The remote and URL of a bare `pre-push [<remote> [<url>]]`; nil when the parser must see the arguments.
    static func prePushArguments(_ arguments: [String]) -> (remote: String?, url: String?)? {
        guard arguments.first == "pre-push" else { return nil }
        let positionals = Array(arguments.dropFirst())
        guard positionals.count <= 2, !positionals.contains(where: { $0.hasPrefix("-") }) else { return nil }
        return (positionals.first, positionals.count > 1 ? positionals[1] : nil)
    }
}
