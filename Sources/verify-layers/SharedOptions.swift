import ArgumentParser
import ImageModel
import Reporters
import Verification

extension ReportFormat: ExpressibleByArgument {}
extension OnErrorPolicy: ExpressibleByArgument {}
extension CheckWay: ExpressibleByArgument {}

/// `--color auto|always|never`.
enum ColorChoice: String, CaseIterable, ExpressibleByArgument {
    case auto, always, never
}

/// `--report FORMAT=PATH`.
struct ReportSpec: ExpressibleByArgument {
    var format: ReportFormat
    var path: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), let format = ReportFormat(rawValue: String(argument[..<equals])) else { return nil }
        let path = String(argument[argument.index(after: equals)...])
        guard !path.isEmpty else { return nil }
        self.format = format
        self.path = path
    }

    static var defaultCompletionKind: CompletionKind { .file() }
}

/// `--shard K/N`: this job's share of the images (1-based K).
struct Shard: ExpressibleByArgument, Equatable {
    var index: Int
    var total: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let total = Int(parts[1]), total >= 1, index >= 1, index <= total else { return nil }
        self.index = index
        self.total = total
    }

    init(index: Int, total: Int) {
        self.index = index
        self.total = total
    }
}

/// Flags every checking command shares (SPEC §1.2).
struct SharedOptions: ParsableArguments {
    @Option(help: "Read the config from this file instead of .verify-layers.yml in the checked commit.")
    var config: String?

    @Option(name: .customLong("endpoint-url"), help: "Send ECR Public calls to this URL (https, or http to loopback).")
    var endpointURL: String?

    @Option(help: "Use this AWS region (us-east-1 or us-west-2).")
    var region: String?

    @Option(help: "Use this profile from the shared AWS config files.")
    var profile: String?

    @Option(help: "Ask the ECR Public API, the public registry, or the API only when AWS credentials resolve (default auto).")
    var via: CheckWay?

    @Option(name: .customLong("registry-url"), help: "Send registry requests to this URL (https, or http to loopback).")
    var registryURL: String?

    @Option(name: .customLong("registry-id"), help: "Use this registry id or alias for every image.")
    var registryId: String?

    @Option(help: "Check every image against this one repository.")
    var repository: String?

    @Option(help: "Print the result on stdout in this format.")
    var format: ReportFormat?

    @Option(name: .customLong("report"), help: ArgumentHelp("Also write a report file (repeatable).", valueName: "format=path"))
    var reports: [ReportSpec] = []

    @Option(name: .customLong("on-error"), help: "Fail (default) or only warn when layers cannot be verified.")
    var onError: OnErrorPolicy = .fail

    @Option(help: "Send at most this many requests at once.")
    var concurrency: Int = 16

    @Option(help: "Give up on the whole run after this many seconds.")
    var timeout: Double?

    @Option(name: .customLong("max-attempts"), help: "Try each call at most this many times (default 3, or AWS_MAX_ATTEMPTS).")
    var maxAttempts: Int?

    @Flag(name: .customLong("no-cache"), help: "Ask the service even about layers it confirmed recently.")
    var noCache = false

    @Option(help: ArgumentHelp("Check only this share of the images, e.g. 2/4.", valueName: "k/n"))
    var shard: Shard?

    @Flag(name: .shortAndLong, help: "Log each call to stderr (secrets are never shown).")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Print only problems.")
    var quiet = false

    @Option(help: "Colour the text output.")
    var color: ColorChoice = .auto

    func validate() throws {
        guard concurrency >= 1 && concurrency <= 256 else { throw ValidationError("--concurrency must be between 1 and 256") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        if let maxAttempts, maxAttempts < 1 || maxAttempts > 20 { throw ValidationError("--max-attempts must be between 1 and 20") }
        if let repository, !repository.isEmpty, !ImageReference.isValidRepositoryName(repository) {
            throw ValidationError("--repository \(repository.debugDescription) is not a valid ECR Public repository name")
        }
    }
}
