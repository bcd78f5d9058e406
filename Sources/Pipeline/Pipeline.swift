import ImageModel
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

/// The core pipeline, one entry point per command: git access → image outputs → plan → registry → findings → reports.
/// The executable only parses options into `RunSettings` and calls one of these; each returns the exit code (SPEC §5)
/// or throws a `Failure` with its code and message. The pipeline owns the run's wiring (`RunContext`) and writes the
/// reports; it must not parse the command line or exit the process.
public enum Pipeline {
    /// Starts what the command `arguments` name will need, before they are parsed: one malloc arena for the process
    /// (`MallocArenas`), and for `check` and `ci`, which ask the service, libcurl loaded and initialised on another
    /// thread meanwhile (`HTTPLibrary.preloadInBackground`). The executable calls `finish()` before it exits, whatever
    /// the way.
    public static func prepare(arguments: [String]) {
        // Whatever the command, before its first thread: glibc gives a thread its arena at its first allocation.
        _ = MallocArenas.limitedToOne
        guard let command = arguments.first, command == "check" || command == "ci" else { return }
        HTTPLibrary.preloadInBackground()
    }

    /// Waits for what `prepare` started: the process may exit after this.
    public static func finish() {
        HTTPLibrary.finishPreload()
    }

    /// `check [<rev>]`, or `check --range A..B`.
    public static func check(
        revision: String?, range: String?, settings: RunSettings,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Int32 {
        let context = try RunContext(options: settings, environment: environment)
        let progress = ProgressLine.make(quiet: settings.quiet, environment: environment)
        defer { progress?.finish() }
        if let range {
            let (base, head) = try RangeSyntax.parse(range)
            let request = RangeRequest(tip: try context.commit(head), hidden: [try context.commit(base)])
            return try context.verifyIntroduced(
                try context.planIntroduced([request], progress: progress), progress: progress)
        }
        if revision == nil, context.nothingCommittedYet() { return try context.emitEmpty(started: context.started) }
        let commit = try context.commit(revision ?? "HEAD")
        return try context.verifyTree(commit, config: try context.config(at: commit), progress: progress)
    }

    /// `pre-push <remote> [<url>]`, reading git's ref lines from stdin; `VERIFY_LAYERS_SKIP` skips it.
    public static func prePush(
        remote: String?, url: String?, settings: RunSettings,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Int32 {
        if PushSkip.isSet(environment["VERIFY_LAYERS_SKIP"]) {
            Console.err("verify-layers: VERIFY_LAYERS_SKIP is set; skipping the pre-push check")
            return 0
        }
        let stdin = isatty(STDIN_FILENO) == 1 ? nil : FileDescriptorReader.readAll("/dev/stdin")
        let lines = try PushLine.parse(String(decoding: stdin ?? Data(), as: UTF8.self))
        var context = try RunContext(options: settings, environment: environment)
        context.command = .prePush
        return try context.prePush(lines, remote: remote, url: url)
    }

    /// `ci`: the range of the GitHub Actions / GitLab CI event, sharded by `CI_NODE_*` unless `--shard` is given.
    public static func ci(settings: RunSettings, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> Int32
    {
        var effective = settings
        if effective.shard == nil { effective.shard = try CIEnvironment.shard(environment) }
        var context = try RunContext(options: effective, environment: environment)
        context.command = .ci
        let progress = ProgressLine.make(quiet: settings.quiet, environment: environment)
        defer { progress?.finish() }
        return try context.ci(progress: progress)
    }

    /// `list [<rev>]`: what `check` would ask about, offline (an empty listing before the first commit, when no
    /// revision is named).
    public static func list(revision: String?, settings: RunSettings) throws -> Int32 {
        let context = try RunContext(options: settings)
        var scan: ScanResult
        let config: ToolConfig
        if revision == nil, context.nothingCommittedYet() {
            (scan, config) = (ScanResult(), ToolConfig())
        } else {
            let commit = try context.commit(revision ?? "HEAD")
            config = try context.config(at: commit)
            scan = try context.scanTree(commit, config: config)
        }
        // What `check` would ask about: without `check-config-blob`, no config blob (check shows none either).
        if !config.checkConfigBlob {
            for index in scan.images.indices { scan.images[index].blobs.removeAll { $0.role == .config } }
        }
        let code = ListReporter.exitCode(scan, strict: config.strict)
        Console.out(
            ListReporter.render(
                scan, json: settings.format == .json, quiet: settings.quiet, verbose: settings.verbose,
                exitCode: code, style: Style(enabled: context.colorsStdout)))
        for spec in settings.reports {
            let text = ListReporter.render(scan, json: spec.format == .json, verbose: settings.verbose, exitCode: code)
            try FileDescriptorSink.writeFile(spec.path) { $0.write(text) }
        }
        return code
    }
}
