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
        guard let spec = try? Self.parse(argument) else { return nil }
        self = spec
    }

    init(format: ReportFormat, path: String) {
        self.format = format
        self.path = path
    }

    /// Parses `FORMAT=PATH`, saying exactly what is wrong with a bad value.
    static func parse(_ argument: String) throws -> ReportSpec {
        let formats = ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")
        guard let equals = argument.firstIndex(of: "=") else {
            throw ValidationError("\(argument.debugDescription) has no '=': write FORMAT=PATH, e.g. --report sarif=verify.sarif (formats: \(formats))")
        }
        let name = String(argument[..<equals])
        guard let format = ReportFormat(rawValue: name) else {
            throw ValidationError("\(name.debugDescription) is not a report format; use one of \(formats)")
        }
        let path = String(argument[argument.index(after: equals)...])
        guard !path.isEmpty else { throw ValidationError("the path after '\(name)=' is empty: write \(name)=PATH") }
        return ReportSpec(format: format, path: path)
    }

    static var defaultCompletionKind: CompletionKind { .file() }
}

/// `--shard K/N`: this job's share of the images (1-based K).
struct Shard: ExpressibleByArgument, Equatable {
    var index: Int
    var total: Int

    init?(argument: String) {
        guard let shard = try? Self.parse(argument) else { return nil }
        self = shard
    }

    init(index: Int, total: Int) {
        self.index = index
        self.total = total
    }

    /// Parses `K/N`, saying exactly what is wrong with a bad value.
    static func parse(_ argument: String) throws -> Shard {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ValidationError("\(argument.debugDescription) is not K/N: write e.g. 2/4 for the second of four jobs") }
        guard let index = Int(parts[0]), let total = Int(parts[1]) else {
            throw ValidationError("\(argument.debugDescription): K and N must be whole numbers, e.g. 2/4")
        }
        guard total >= 1 else { throw ValidationError("\(argument.debugDescription): N (the number of jobs) must be at least 1") }
        guard index >= 1 && index <= total else {
            throw ValidationError("\(argument.debugDescription): K must be between 1 and \(total) (K counts from 1, like CI_NODE_INDEX)")
        }
        return Shard(index: index, total: total)
    }
}

/// What to read: the config and which images (SPEC §1.2, scan group); every command that reads a commit has these.
struct ScanOptions: ParsableArguments {
    @Option(help: "Read the config from this file instead of .verify-layers.yml in the checked commit.")
    var config: String?

    @Option(name: .customLong("registry-id"), help: "Use this registry id or alias for every image.")
    var registryId: String?

    @Option(help: "Check every image against this one repository.")
    var repository: String?

    @Option(help: ArgumentHelp("Check only this share of the images, e.g. 2/4.", valueName: "k/n"), transform: Shard.parse)
    var shard: Shard?

    func validate() throws {
        if let repository, !repository.isEmpty, !ImageReference.isValidRepositoryName(repository) {
            throw ValidationError("--repository \(repository.debugDescription) is not a valid ECR Public repository name")
        }
    }
}

/// How to reach the service (service group): not offered by `list`, which never connects.
struct ServiceOptions: ParsableArguments {
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

    @Option(help: "Send at most this many requests at once.")
    var concurrency: Int = 16

    @Option(help: "Give up on the whole run after this many seconds.")
    var timeout: Double?

    @Option(name: .customLong("max-attempts"), help: "Try each call at most this many times (default 3, or AWS_MAX_ATTEMPTS).")
    var maxAttempts: Int?

    @Flag(name: .customLong("no-cache"), help: "Ask the service even about layers it confirmed recently.")
    var noCache = false

    func validate() throws {
        guard concurrency >= 1 && concurrency <= 256 else { throw ValidationError("--concurrency must be between 1 and 256") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        if let maxAttempts, maxAttempts < 1 || maxAttempts > 20 { throw ValidationError("--max-attempts must be between 1 and 20") }
    }
}

/// What to print and what a result does (output group): not offered by `doctor`, which writes no report.
struct OutputOptions: ParsableArguments {
    @Option(help: "Print the result on stdout in this format.")
    var format: ReportFormat?

    @Option(name: .customLong("report"), help: ArgumentHelp("Also write a report file (repeatable).", valueName: "format=path"),
            transform: ReportSpec.parse)
    var reports: [ReportSpec] = []

    @Option(name: .customLong("on-error"), help: "Fail (default) or only warn when layers cannot be verified.")
    var onError: OnErrorPolicy = .fail

    @Flag(name: .shortAndLong, help: "Log each call and cache hit to stderr (secrets are never shown).")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Print only problems.")
    var quiet = false

    @Option(help: "Colour the text output.")
    var color: ColorChoice = .auto

    func validate() throws {
        if verbose && quiet { throw ValidationError("--verbose and --quiet contradict each other; give one") }
        if color == .always, let format, format != .text {
            throw ValidationError("--color always applies to the text format only, not --format \(format.rawValue)")
        }
    }
}

/// The three groups one checking run reads (SPEC §1.2); the commands compose it from the groups they offer.
struct SharedOptions {
    var scan: ScanOptions
    var service: ServiceOptions
    var output: OutputOptions

    /// For commands that do not offer a group: its defaults.
    static func defaults() throws -> SharedOptions {
        SharedOptions(scan: try ScanOptions.parse([]), service: try ServiceOptions.parse([]), output: try OutputOptions.parse([]))
    }

    var config: String? { scan.config }
    var registryId: String? { scan.registryId }
    var repository: String? { scan.repository }
    var shard: Shard? {
        get { scan.shard }
        set { scan.shard = newValue }
    }
    var endpointURL: String? { service.endpointURL }
    var region: String? { service.region }
    var profile: String? { service.profile }
    var via: CheckWay? { service.via }
    var registryURL: String? { service.registryURL }
    var concurrency: Int { service.concurrency }
    var timeout: Double? { service.timeout }
    var maxAttempts: Int? { service.maxAttempts }
    var format: ReportFormat? { output.format }
    var reports: [ReportSpec] { output.reports }
    var onError: OnErrorPolicy { output.onError }
    var noCache: Bool { service.noCache }
    var verbose: Bool {
        get { output.verbose }
        set { output.verbose = newValue }
    }
    var quiet: Bool { output.quiet }
    var color: ColorChoice { output.color }
}
