/// Says why a shared option is not offered by a command (SPEC §1.2: service options for `list`, report options for
/// `doctor`), instead of the parser's bare "Unknown option": the option exists, this command cannot honour it.
enum OptionScope {
    private static let service = [
        "--endpoint-url", "--region", "--profile", "--via", "--registry-url", "--concurrency", "--timeout",
        "--max-attempts", "--no-cache",
    ]
    private static let report = ["--format", "--report", "--on-error", "--quiet", "-q", "--color"]

    /// Each command's options that other checking commands have, with the reason it has not.
    private static let notOffered: [String: [(options: [String], reason: String)]] = [
        "list": [
            (service, "list is offline: it never asks the service"),
            (["--on-error"], "list asks no service, so nothing it finds is unverifiable"),
        ],
        "doctor": [(report, "doctor writes no report")],
    ]

    /// The message for the first such option among `arguments` (command first), or nil.
    static func message(_ arguments: [String]) -> String? {
        guard let command = arguments.first, let groups = notOffered[command] else { return nil }
        for argument in arguments.dropFirst() {
            if argument == "--" { break }
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            guard let group = groups.first(where: { $0.options.contains(name) }) else { continue }
            return "verify-layers: \(name) does not apply to \(command) (\(group.reason)). "
                + "See 'verify-layers \(command) --help'."
        }
        return nil
    }
}
