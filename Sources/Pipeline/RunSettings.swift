import Checking
import ImageModel
import Reports

/// `--color auto|always|never`.
public enum ColorChoice: String, CaseIterable, Sendable {
    case auto, always, never
}

/// `--report FORMAT=PATH`: one report file besides stdout.
public struct ReportSpec: Sendable {
    public var format: ReportFormat
    public var path: String

    public init(format: ReportFormat, path: String) {
        self.format = format
        self.path = path
    }

    /// Parses `FORMAT=PATH` against the registered formats, saying exactly what is wrong with a bad value.
    public static func parse(_ argument: String, reporters: ReporterRegistry = .builtIn) throws -> ReportSpec {
        let formats = reporters.formats.map(\.rawValue).joined(separator: ", ")
        guard let equals = argument.firstIndex(of: "=") else {
            throw Failure.usage(
                "\(argument.debugDescription) has no '=': write FORMAT=PATH, e.g. --report sarif=verify.sarif (formats: \(formats))"
            )
        }
        let name = String(argument[..<equals])
        guard reporters.formats.contains(ReportFormat(rawValue: name)) else {
            throw Failure.usage(reporters.unknownFormat(name))
        }
        let path = String(argument[argument.index(after: equals)...])
        guard !path.isEmpty else { throw Failure.usage("the path after '\(name)=' is empty: write \(name)=PATH") }
        return ReportSpec(format: ReportFormat(rawValue: name), path: path)
    }
}

/// `--shard K/N`: this job's share of the images (1-based K).
public struct Shard: Equatable, Sendable {
    public var index: Int
    public var total: Int

    public init(index: Int, total: Int) {
        self.index = index
        self.total = total
    }

    /// Parses `K/N`, saying exactly what is wrong with a bad value.
    public static func parse(_ argument: String) throws -> Shard {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw Failure.usage("\(argument.debugDescription) is not K/N: write e.g. 2/4 for the second of four jobs")
        }
        guard let index = Int(parts[0]), let total = Int(parts[1]) else {
            throw Failure.usage("\(argument.debugDescription): K and N must be whole numbers, e.g. 2/4")
        }
        guard total >= 1 else {
            throw Failure.usage("\(argument.debugDescription): N (the number of jobs) must be at least 1")
        }
        guard index >= 1 && index <= total else {
            throw Failure.usage(
                "\(argument.debugDescription): K must be between 1 and \(total) (K counts from 1, like CI_NODE_INDEX)")
        }
        return Shard(index: index, total: total)
    }
}

/// Everything one run was told on its command line (SPEC §1.2), as plain values: the CLI fills it from its option
/// groups (scan / service / output), the pipeline reads it. Defaults are the documented ones.
public struct RunSettings: Sendable {
    // Scan: what to read.
    public var config: String?
    public var registryId: String?
    public var repository: String?
    public var shard: Shard?
    // Service: how to ask.
    public var endpointURL: String?
    public var region: String?
    public var profile: String?
    public var via: CheckWay?
    public var registryURL: String?
    public var concurrency = 16
    public var timeout: Double?
    public var maxAttempts: Int?
    public var noCache = false
    // Output: what to print and what a result does.
    public var format: ReportFormat?
    public var reports: [ReportSpec] = []
    public var onError: OnErrorPolicy = .fail
    public var verbose = false
    public var quiet = false
    public var color: ColorChoice = .auto
    /// The repository to read: the one around this directory (default: the current directory).
    public var directory: String?
    /// The reporters `format` and `reports` are looked up in (tests add plug-ins here).
    public var reporters = ReporterRegistry.builtIn

    public init() {}
}
