import Checking
import Configuration
import GitAccess
import ImageModel
import ImageOutputs
import Registry
import Reports

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Composes one run from flags, config and environment: the executable's wiring, kept out of the commands.
struct RunContext {
    let options: RunSettings
    let environment: [String: String]
    let repository: GitRepository
    let started = Date()
    /// The command running: decides the hints offered and whether an unmapped image fails the run.
    var command: HintContext.Command = .check
    /// Counts calls as they are answered, for the progress line (nil when no progress is drawn).
    var progress: ProgressLine?

    init(options: RunSettings, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.options = options
        self.environment = environment
        do {
            repository = try GitRepository(discovering: options.directory ?? FileManager.default.currentDirectoryPath)
        } catch let error as GitError {
            throw Failure.config(error.message)
        }
        repository.rememberBlobHashes()
        for spec in options.reports { try FileDescriptorSink.requireWritable(spec.path) }
    }

    /// Resolves a revision to a commit; an unknown revision is a usage error.
    func commit(_ revision: String) throws -> ObjectID {
        do {
            return try repository.resolveCommit(revision)
        } catch let error as GitError {
            throw Failure.usage(error.message)
        }
    }

    /// `--config PATH`, else `.verify-layers.yml` in the commit, else defaults.
    func config(at commit: ObjectID) throws -> ToolConfig {
        if let path = options.config {
            // Through open/read, so `--config /dev/null` (no settings) and `<(…)` work as they do for AWS_CONFIG_FILE.
            guard let data = FileDescriptorReader.read(path, upTo: (1 << 20) + 1) else {
                throw Failure.config("cannot read config file \(path)")
            }
            guard data.count <= 1 << 20 else { throw Failure.config("config file \(path) is larger than 1 MiB") }
            return try parseConfig(data, source: path)
        }
        let snapshot = try snapshot(commit)
        let committed = snapshot.read(ConfigFile.fileName, limit: 1 << 20)
        WorkingTreeConfig.noticeOnce(snapshot: snapshot, commit: commit, committed: committed, quiet: options.quiet)
        switch committed {
        case .file(let data): return try parseConfig(data, source: ConfigFile.fileName)
        case .missing: return ToolConfig()
        case .tooLarge: throw Failure.config("\(ConfigFile.fileName) is larger than 1 MiB")
        case .notReadable(let why): throw Failure.config("\(ConfigFile.fileName) cannot be read: \(why)")
        case .lfsObjectMissing:
            throw Failure.config(
                "\(ConfigFile.fileName) is a Git LFS pointer whose object is not in the local LFS store; run `git lfs pull`"
            )
        }
    }

    private func parseConfig(_ data: Data, source: String) throws -> ToolConfig {
        guard let text = String(data: data, encoding: .utf8) else {
            throw Failure.config("\(source) is not UTF-8 text")
        }
        do {
            return try ConfigFile.parse(text, source: source)
        } catch let error as ConfigError {
            throw Failure.config(error.message)
        }
    }

    func snapshot(_ commit: ObjectID) throws -> CommitSnapshot {
        do {
            return try CommitSnapshot(repository: repository, commit: commit)
        } catch {
            throw Failure.config("cannot read commit \(commit.short): \(error)")
        }
    }

    func resolver(_ config: ToolConfig) -> RepositoryResolver {
        RepositoryResolver(
            forcedRepository: options.repository, forcedRegistry: options.registryId,
            mappings: config.images, defaultRegistry: config.registry)
    }

    /// Reads every image output in the tree of `commit`.
    /// `emit` receives this shard's images as they are read, so checking can overlap reading; it is told first what
    /// each output can map to and then when each is read, so a repository's last batch leaves once no output can add
    /// to it.
    func scanTree(_ commit: ObjectID, config: ToolConfig, emit: ImageSink? = nil) throws -> ScanResult {
        let scanner = ImageScanner(repository: repository, resolver: resolver(config), exclude: config.exclude)
        defer {
            repository.saveHashMemo()
            repository.releaseCaches()
        }
        do {
            return applyShard(
                try scanner.scan(
                    commit: commit, manifestFiles: config.manifestFileCandidates, forecast: emit.map { $0.expect },
                    forecastNow: { emit?.readyForForecasts ?? false }, onOutput: emit.map(onOutput)))
        } catch {
            throw Failure.config("cannot read the tree of \(commit.short): \(error)")
        }
    }

    /// Hands each read output's images of this shard to `emit`, then says the output was read.
    func onOutput(_ emit: ImageSink) -> (ScanResult) -> Void {
        { part in
            let part = applyUnmappedPolicy(applyShard(part))
            emit.note(part.findings)
            for image in part.images { emit(image) }
            emit.outputRead()
        }
    }

    /// Keeps this shard's images: a stable hash of the output path, so every platform of an output lands together.
    func applyShard(_ scan: ScanResult) -> ScanResult {
        guard let shard = options.shard, shard.total > 1 else { return scan }
        func mine(_ path: String) -> Bool { Int(ShardHash.fnv1a(path) % UInt64(shard.total)) == shard.index - 1 }
        var kept = ScanResult(
            images: scan.images.filter { mine($0.outputPath) }, findings: scan.findings.filter { mine($0.path) })
        kept.candidates = scan.candidates.filter { mine($0.path) }
        return kept
    }

    /// The ECR Public client from flags, environment and the shared AWS files (full SDK credential chain);
    /// endpoint and setting problems are configuration errors.
    func makeClient() throws -> ECRPublicClient {
        try options.clientSetup(environment: environment, started: started).makeClient()
    }

    /// Under `pre-push` and `ci` an image with no repository is an error: nothing of it would be checked, and a push must
    /// not pass in silence. `check` and `list` keep it a warning (SPEC §3.1).
    func applyUnmappedPolicy(_ scan: ScanResult) -> ScanResult {
        guard command != .check else { return scan }
        func raise(_ finding: Finding) -> Finding {
            guard finding.rule == .imageUnmapped else { return finding }
            var raised = finding
            raised.severity = .error
            return raised
        }
        var result = scan
        result.findings = scan.findings.map(raise)
        result.images = scan.images.map { image in
            var image = image
            image.findings = image.findings.map(raise)
            return image
        }
        return result
    }

    /// The verifier for this run, asking the way `--via` / `via:` / credentials choose.
    func makeVerifier(
        _ config: ToolConfig, cached: Bool = false, defaultFormat: ReportFormat = .text, progress: ProgressLine? = nil
    ) throws -> Verifier {
        let setup = try options.clientSetup(environment: environment, started: started)
        let way = try options.chooseWay(config: config, setup: setup, environment: environment)
        if options.verbose { Console.err("verify-layers: asking via \(way.via.rawValue) (\(way.why))") }
        let cache = cached ? makeCache(config, endpoint: way.cacheScope) : nil
        if let observer = progress?.observer {
            (way.layers as? ECRPublicClient)?.observer = observer
            (way.layers as? RegistryClient)?.observer = observer
        }
        var verifyOptions = verifyOptions(config)
        // A report that shows every row gets them from a scratch file, so memory does not grow with the layer count in
        // that format either, and judged images wait there too once a run holds many; where none can be made, both stay
        // in memory.
        let scratch = BlobRowSpillFile(directory: repository.cacheDirectory)
        verifyOptions.imageSpill = scratch
        if reportsShowBlobRows(defaultFormat: defaultFormat) {
            verifyOptions.rowSpill = scratch
            verifyOptions.keepsBlobRows = verifyOptions.rowSpill == nil
        } else {
            verifyOptions.keepsBlobRows = false
        }
        return Verifier(
            registry: way.layers, cache: cache, options: verifyOptions, manifests: way.manifests,
            via: way.via.rawValue)
    }

    /// Whether a report this run writes shows every blob (the JSON one does; stdout is written listing cached blobs
    /// under `--verbose`, as `emit` sets `listCached`, `--report` files never). Without one, the run keeps counts only.
    func reportsShowBlobRows(defaultFormat: ReportFormat) -> Bool {
        options.reporters.showsBlobRows([options.format ?? defaultFormat], listingCached: options.verbose)
            || options.reporters.showsBlobRows(options.reports.map(\.format))
    }

    /// `VERIFY_LAYERS_CHECK_MANIFESTS` (error, warning, off) overrides the config's `check-manifests:` for one run or job,
    /// e.g. while manifests are published by a later pipeline stage; empty or unknown values are ignored.
    func verifyOptions(_ config: ToolConfig) -> VerifyOptions {
        let level =
            environment["VERIFY_LAYERS_CHECK_MANIFESTS"].flatMap(ManifestCheckLevel.init(rawValue:))
            ?? config.checkManifests
        return VerifyOptions(
            checkConfigBlob: config.checkConfigBlob, onError: options.onError, strict: config.strict,
            checkManifests: level)
    }

    /// Whether text on stdout is coloured: `--color`, else a terminal without `NO_COLOR` or `TERM=dumb`.
    var colorsStdout: Bool {
        switch options.color {
        case .always: return true
        case .never: return false
        case .auto:
            return Console.stdoutIsTTY && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
        }
    }

    /// Prints the stdout report (unless `printing` is false) and writes `--report` files; returns the exit code.
    /// `scratch`: the run's scratch file (`VerifyOptions.imageSpill`, also its `rowSpill` when rows are written), whose
    /// failed read-backs end the run with 69.
    func emit(
        _ report: RunReport, defaultFormat: ReportFormat = .text, cacheTTL: Double? = nil, printing: Bool = true,
        scratch: (any BlobRowSpill)? = nil
    ) throws -> Int32 {
        repository.saveHashMemo()
        let color = colorsStdout
        let format = options.format ?? defaultFormat
        let gitlabSections = format == .text && !(environment["GITLAB_CI"] ?? "").isEmpty
        var reportOptions = ReportOptions(
            color: color, quiet: options.quiet, toolVersion: BuildStamp.version,
            gitlabSections: gitlabSections, sectionTimestamp: Int(Date().timeIntervalSince1970))
        reportOptions.hints = HintContext(command: command)
        reportOptions.cacheTTL = cacheTTL.map(DurationText.compact)
        reportOptions.listCached = options.verbose
        // Reports are streamed to their file as they are written: memory does not grow with the layer count.
        if printing {
            let stdout = FileDescriptorSink(descriptor: STDOUT_FILENO)
            try reporter(format).write(report, options: reportOptions, to: stdout)
            stdout.flush()
        }
        if writesGitHubOutputs(stdoutFormat: format) { CIOutputs.writeGitHub(report, environment: environment) }
        for spec in options.reports {
            let fileOptions = ReportOptions(color: false, quiet: false, toolVersion: BuildStamp.version)
            let fileReporter = try reporter(spec.format)
            try FileDescriptorSink.writeFile(spec.path) { fileReporter.write(report, options: fileOptions, to: $0) }
        }
        if let scratch, scratch.readFailures > 0 {
            throw Failure.unavailable(
                "\(scratch.readFailures) record(s) of judged images or their blob rows could not be read back from the "
                    + "run's scratch file in \(repository.cacheDirectory); the reports written are incomplete")
        }
        return report.summary.exitCode
    }
}

extension RunContext {
    /// The job summary and step outputs belong to the github format wherever it is written (stdout or a `--report`
    /// file), and to every `ci` run under GitHub Actions, whatever it prints (SPEC §1: `ci` writes the step summary).
    func writesGitHubOutputs(stdoutFormat: ReportFormat) -> Bool {
        if stdoutFormat == .github || options.reports.contains(where: { $0.format == .github }) { return true }
        return command == .ci && environment["GITHUB_ACTIONS"] == "true"
    }

    /// The registered reporter of `format`; the CLI offers only registered names, so a miss is a usage error.
    func reporter(_ format: ReportFormat) throws -> any Reporter {
        guard let reporter = options.reporters.reporter(for: format) else {
            throw Failure.usage(options.reporters.unknownFormat(format.rawValue))
        }
        return reporter
    }
}

/// A hash that is the same on every machine and run (Swift's Hasher is seeded per process).
enum ShardHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        return hash
    }
}
