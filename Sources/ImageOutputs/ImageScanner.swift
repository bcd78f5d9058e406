import GitAccess
import ImageModel

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads every image output of a commit into images and findings: the ImageOutputs entry point for `check` and `list`.
public struct ImageScanner {
    let repository: GitRepository
    let resolver: RepositoryResolver
    let exclude: [String]
    /// The formats recognised and read; `RangeScanner` diffs with the same list.
    public let formats: OutputFormats

    public init(
        repository: GitRepository, resolver: RepositoryResolver, exclude: [String] = [],
        formats: OutputFormats = .builtIn
    ) {
        self.repository = repository
        self.resolver = resolver
        self.exclude = exclude
        self.formats = formats
    }

    /// Scans the whole tree of `commit`, plus standalone manifest/index files named by config `images` paths: an exact path
    /// naming a file, or a glob matching `.json` files outside any layout.
    /// `onOutput` sees each output's part as soon as it is read (so checking can start before the scan ends) and takes
    /// its images and candidates: the result returned then has its findings only, so a large run does not hold every
    /// image twice.
    /// `forecast` sees, once, what every output not yet read can map to (in the order `onOutput` will see them, `more`
    /// false): as soon as `forecastNow` says so (the calls already sent can run meanwhile), or once
    /// `readsBeforeForecasting` outputs were read. An output read before that has no forecast: nothing unread comes from
    /// it. A scan of fewer outputs than that, which `forecastNow` never allows, makes no forecast.
    public func scan(
        commit: ObjectID, manifestFiles: [String] = [],
        forecast: ((_ next: [RepositoryForecast], _ more: Bool) -> Void)? = nil,
        forecastNow: () -> Bool = { false },
        onOutput: ((ScanResult) -> Void)? = nil
    ) throws -> ScanResult {
        let snapshot = try CommitSnapshot(repository: repository, commit: commit)
        let globs = manifestFiles.filter(Glob.hasWildcards)
        let found = try OutputFinder(repository: repository, formats: formats).find(
            inTree: snapshot.rootTree, filePatterns: globs, exclude: exclude)
        let exact = manifestFiles.filter { !Glob.hasWildcards($0) }.map(ImageScanner.normalise).filter { path in
            guard let entry = snapshot.entry(at: path) else { return false }
            return entry.kind == .blob || entry.kind == .executable || entry.kind == .symlink
        }
        let extraOutputs = (exact + found.files).map { ImageOutput(kind: configNamedKind($0, in: snapshot), path: $0) }
        var result = ScanResult()
        for skipped in found.skipped where !exact.contains(skipped.path) && !isExcluded(skipped.path) {
            result.findings.append(
                Finding(rule: .outputSkipped, message: skipped.reason, path: skipped.path, commit: commit.hex))
            result.candidates.append(
                OutputCandidate(path: skipped.path, kind: skipped.kind, read: false, reason: skipped.reason))
        }
        for name in found.unreadableNames {
            result.findings.append(
                Finding(
                    rule: .manifestInvalid,
                    message:
                        "the image output at \(name.debugQuoted) has a path that is not valid UTF-8, so it cannot be named or checked; rename it",
                    path: name, commit: commit.hex))
        }
        let outputs = ImageScanner.distinct(found.outputs + extraOutputs).filter { !isExcluded($0.path) }
        var forecastMade = false
        for (position, output) in outputs.enumerated() {
            if let forecast, !forecastMade, position >= Self.readsBeforeForecasting || forecastNow() {
                forecast(forecasts(outputs[position...]) { ($0, snapshot) }, false)
                forecastMade = true
            }
            let part = read(output, in: snapshot)
            onOutput?(part)
            result.findings += part.findings
            // Handed on as read: kept only when no one takes them (a streaming run keeps its images itself).
            guard onOutput == nil else { continue }
            result.images += part.images
            result.candidates += part.candidates
        }
        return result
    }

    /// `outputs` without repeats, in order (the set that finds them is let go before any output is read).
    static func distinct(_ outputs: [ImageOutput]) -> [ImageOutput] {
        var seen = Set<ImageOutput>()
        return outputs.filter { seen.insert($0).inserted }
    }

    /// A config-named file is read as an archive when its name says so or its first bytes do (gzip magic, tar `ustar`),
    /// else as a standalone manifest or index.
    func configNamedKind(_ path: String, in source: FileSource) -> OutputKind {
        formats.configNamedKind(path) {
            guard case .stream(let stream) = source.openStream(path) else { return nil }
            return try? ArchiveIndexer.readPrefix(stream, count: 512)
        }
    }

    /// Outputs read before the rest are forecast, at most. Forecasting reads every layout's `index.json`, often rebuilt
    /// from a delta against a whole manifest: made before the first outputs are read, it held their calls back by tens of
    /// milliseconds (a fifth of a cold check of 200 layouts). Until the forecast is made no repository is settled, so no
    /// partial batch leaves and no image is judged early: this bounds how many outputs that holds back.
    static let readsBeforeForecasting = 64

    /// Forecasts in a row are read a few dozen at a time, libgit2's caches let go after each group: a layout's
    /// `index.json` is mostly stored as a delta against its manifest, and the pack keeps each manifest it inflated as
    /// a delta base until the caches are let go (every 512 reads otherwise: a tree of thousands of outputs then held
    /// 512 manifests at once).
    static let forecastsBetweenReleases = 64

    /// What each of `items` can map to, in order: `place` names each one's output and the files it is read from (so a
    /// range's versions are read at their own commits). Every forecast of a run goes through here.
    func forecasts<Items: Sequence>(
        _ items: Items, _ place: (Items.Element) throws -> (output: ImageOutput, source: FileSource)
    ) rethrows -> [RepositoryForecast] {
        var made: [RepositoryForecast] = []
        made.reserveCapacity(items.underestimatedCount)
        for item in items {
            let (output, source) = try place(item)
            made.append(forecast(output, in: source))
            if made.count % Self.forecastsBetweenReleases == 0 { repository.releaseCaches() }
        }
        return made
    }

    /// What one output at one commit can map to, predicted without reading it (`OutputFormats.forecast`).
    public func forecast(_ output: ImageOutput, in snapshot: FileSource) -> RepositoryForecast {
        formats.forecast(output, in: snapshot, resolver: resolver)
    }

    /// Reads one output at one commit, with the format of its kind.
    public func read(_ output: ImageOutput, in snapshot: FileSource) -> ScanResult {
        formats.images(of: output, in: snapshot, resolver: resolver)
    }

    public func isExcluded(_ path: String) -> Bool {
        exclude.contains { Glob.covers(pattern: $0, path: path) }
    }

    static func normalise(_ path: String) -> String {
        SymlinkResolver.components(path).joined(separator: "/")
    }
}

extension Glob {
    /// True when a config path is a pattern rather than one path.
    public static func hasWildcards(_ pattern: String) -> Bool {
        pattern.contains("*") || pattern.contains("?")
    }
}

extension ToolConfig {
    /// Every `images` path: exact ones may name a standalone manifest/index file, globs may match `.json` files.
    public var manifestFileCandidates: [String] {
        images.map(\.path)
    }
}
