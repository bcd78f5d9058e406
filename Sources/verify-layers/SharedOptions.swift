import ArgumentParser
import Checking
import ImageModel
import Pipeline
import Reports

extension OnErrorPolicy: ExpressibleByArgument {}
extension CheckWay: ExpressibleByArgument {}
extension ColorChoice: ExpressibleByArgument {}

/// `--format` takes the registered reporters' names (`ReporterRegistry`), so a new reporter is offered without touching this.
extension ReportFormat: ExpressibleByArgument {
    public init?(argument: String) {
        guard ReporterRegistry.builtIn.formats.contains(ReportFormat(rawValue: argument)) else { return nil }
        self.init(rawValue: argument)
    }

}

extension ReportSpec: ExpressibleByArgument {
    public init?(argument: String) {
        guard let spec = try? Self.parse(argument) else { return nil }
        self = spec
    }

    public static var defaultCompletionKind: CompletionKind { .file() }
}

/// The pipeline's usage errors as the parser's, so a bad value is reported like every other option error.
func usage<T>(_ body: @autoclosure () throws -> T) throws -> T {
    do {
        return try body()
    } catch let failure as Failure {
        throw ValidationError(failure.message)
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

    @Option(
        parsing: .unconditional, help: ArgumentHelp("Check only this share of the images, e.g. 2/4.", valueName: "k/n"),
        transform: { try usage(Shard.parse($0)) })
    var shard: Shard?

    /// Both names are checked here, as the config file's are (exit 78 there): a bad one would otherwise reach the
    /// service and come back as an unverifiable run (69) that blames the network.
    func validate() throws {
        if let repository, !ImageReference.isValidRepositoryName(repository) {
            throw ValidationError(
                "--repository \(repository.debugDescription) is not a valid ECR Public repository name "
                    + "(2-205 characters: lowercase letters and digits, separated by . _ - or /)")
        }
        if let registryId, !ImageReference.isValidAlias(registryId) {
            throw ValidationError(
                "--registry-id \(registryId.debugDescription) is neither a registry alias "
                    + "([a-z][a-z0-9]+ with . _ - separators) nor a 12-digit account id")
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

    @Option(
        help:
            "Ask the ECR Public API, the public registry, or the API only when AWS credentials resolve (default auto).")
    var via: CheckWay?

    @Option(name: .customLong("registry-url"), help: "Send registry requests to this URL (https, or http to loopback).")
    var registryURL: String?

    // The numeric options take their next word even when it starts with '-', so `--timeout -1` is told what is wrong
    // with -1 rather than that a value is missing.
    @Option(parsing: .unconditional, help: "Send at most this many requests at once.")
    var concurrency: Int = 16

    @Option(parsing: .unconditional, help: "Give up on the whole run after this many seconds.")
    var timeout: Double?

    @Option(
        name: .customLong("max-attempts"), parsing: .unconditional,
        help: "Try each call at most this many times (default 3, or AWS_MAX_ATTEMPTS).")
    var maxAttempts: Int?

    @Flag(name: .customLong("no-cache"), help: "Ask the service even about layers it confirmed recently.")
    var noCache = false

    func validate() throws {
        guard concurrency >= 1 && concurrency <= 256 else {
            throw ValidationError("--concurrency must be between 1 and 256")
        }
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
        if let maxAttempts, maxAttempts < 1 || maxAttempts > 20 {
            throw ValidationError("--max-attempts must be between 1 and 20")
        }
    }
}

/// What to print and what a result does (output group): not offered by `doctor`, which writes no report.
struct OutputOptions: ParsableArguments {
    @Option(help: "Print the result on stdout in this format.")
    var format: ReportFormat?

    @Option(
        name: .customLong("report"),
        help: ArgumentHelp("Also write a report file (repeatable).", valueName: "format=path"),
        transform: { try usage(ReportSpec.parse($0)) })
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

extension ScanOptions {
    /// A run that offers only this group (`list`): the other groups keep their defaults.
    var settings: RunSettings {
        var settings = RunSettings()
        apply(to: &settings)
        return settings
    }

    func apply(to settings: inout RunSettings) {
        settings.config = config
        settings.registryId = registryId
        settings.repository = repository
        settings.shard = shard
    }
}

extension ServiceOptions {
    func apply(to settings: inout RunSettings) {
        settings.endpointURL = endpointURL
        settings.region = region
        settings.profile = profile
        settings.via = via
        settings.registryURL = registryURL
        settings.concurrency = concurrency
        settings.timeout = timeout
        settings.maxAttempts = maxAttempts
        settings.noCache = noCache
    }
}

extension OutputOptions {
    func apply(to settings: inout RunSettings) {
        settings.format = format
        settings.reports = reports
        settings.onError = onError
        settings.verbose = verbose
        settings.quiet = quiet
        settings.color = color
    }
}

/// The three option groups of a checking command (SPEC §1.2), turned into the pipeline's settings.
func runSettings(_ scan: ScanOptions, _ service: ServiceOptions, _ output: OutputOptions) -> RunSettings {
    var settings = RunSettings()
    scan.apply(to: &settings)
    service.apply(to: &settings)
    output.apply(to: &settings)
    return settings
}

/// Runs a command body, turning `Failure` into its message and exit code.
func runReportingFailures(_ body: () throws -> Int32) throws {
    let code: Int32
    do {
        code = try body()
    } catch let failure as Failure {
        Console.err("verify-layers: \(failure.message)")
        throw ExitCode(failure.code)
    }
    if code != 0 { throw ExitCode(code) }
}
