#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GitSource
import ImageModel
import Reporters
import Verification

extension PositiveResultCache: PositiveCache {}

/// The commits one ref of a push (or one range) brings: reachable from `tip`, not from any of `hidden`.
struct RangeRequest {
    var tip: ObjectID
    var hidden: [ObjectID]
}

/// What a range scan found, with the config that governs the verification.
struct RangeScanOutcome {
    var scan: ScanResult
    var config: ToolConfig
    var commits: Int
    /// The tips the range ends at: findings from any other commit name their commit in the reports.
    var tips: [ObjectID]
}

extension RunContext {
    /// Peels an id from a pre-push line or CI event to its commit; nil when it is not here or names no commit.
    func peeledCommit(_ id: ObjectID) -> ObjectID? {
        guard repository.contains(id) else { return nil }
        return try? repository.resolveCommit(id.hex)
    }

    /// Reads every image-output version the requested ranges introduce, each distinct version once across ranges.
    /// Ranges whose tips carry the same config are walked together, as `git rev-list <tips> --not <hidden>`: whatever
    /// the remote has under any name is excluded once. Tips with another config get their own walk (with the earlier
    /// tips hidden, so no commit is scanned twice) and are read with that config.
    func scanIntroduced(_ requests: [RangeRequest], progress: ProgressLine? = nil) throws -> RangeScanOutcome {
        struct Group {
            var key: String
            var config: ToolConfig
            var tips: [ObjectID] = []
            var hidden: [ObjectID] = []
        }
        var groups: [Group] = []
        for request in requests {
            let key = try configKey(at: request.tip)
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].tips.append(request.tip)
                groups[index].hidden += request.hidden
            } else {
                groups.append(Group(key: key, config: try config(at: request.tip), tips: [request.tip], hidden: request.hidden))
            }
        }
        progress?.update("reading the pushed commits")
        let scanner = RangeScanner(repository: repository)
        var result = ScanResult()
        var earlierTips: [ObjectID] = []
        for group in groups {
            let imageScanner = ImageScanner(repository: repository, resolver: resolver(group.config), exclude: group.config.exclude)
            let hidden = Array(Set(group.hidden + earlierTips)).sorted()
            do {
                let part = try scanner.scan(tips: group.tips, hidden: hidden, scanner: imageScanner, manifestFiles: group.config.manifestFileCandidates)
                result.images += part.images
                result.findings += part.findings
            } catch let error as GitError {
                throw Failure.config("cannot read the commits to check: \(error.message)")
            }
            earlierTips += group.tips
        }
        return RangeScanOutcome(scan: applyShard(result), config: groups.first?.config ?? ToolConfig(), commits: scanner.commitsScanned,
                                tips: requests.map(\.tip))
    }

    /// What reports say of findings from commits that are not a tip: the commit's subject, and which outputs are gone at the tips.
    func commitNotes(_ report: RunReport, tips: [ObjectID]) -> CommitNotes {
        var notes = CommitNotes()
        let tipIds = Set(tips.map(\.hex))
        let snapshots = tips.compactMap { try? snapshot($0) }
        var places = Set<[String]>()
        for image in report.images where !tipIds.contains(image.commit) { places.insert([image.commit, image.path]) }
        for finding in report.findings where !tipIds.contains(finding.commit) && !finding.commit.isEmpty {
            places.insert([finding.commit, finding.path])
        }
        for place in places {
            let commit = place[0], path = place[1]
            if notes.notes[commit] == nil, let id = ObjectID(hex: commit) {
                notes.notes[commit] = CommitNotes.Note(short: id.short, subject: (try? repository.commitSubject(id)) ?? "")
            }
            if !snapshots.isEmpty && snapshots.allSatisfy({ $0.entry(at: path) == nil }) { notes.gone.insert(commit + "\u{0}" + path) }
        }
        return notes
    }

    /// Which config applies at a commit, cheaply: the `--config` flag, or the blob id of `.verify-layers.yml`.
    func configKey(at commit: ObjectID) throws -> String {
        if options.config != nil { return "--config" }
        return try snapshot(commit).entry(at: ConfigFile.fileName)?.id.hex ?? "none"
    }

    /// The positive-result cache of SPEC §7 for the push path, or nil when `--no-cache` or `cache-ttl: 0` turns it off.
    /// `ci` and `check` never use it: they are asked for a fresh answer. Answers are kept per endpoint.
    func makeCache(_ config: ToolConfig, endpoint: String) -> PositiveCache? {
        guard !options.noCache, config.cacheTTL > 0 else { return nil }
        let verbose = options.verbose
        return PositiveResultCache(commonDir: repository.commonDir, ttl: config.cacheTTL, scope: endpoint,
                                   log: verbose ? { Console.err("verify-layers: \($0)") } : nil)
    }

    /// Asks the service about every distinct blob of `scan` (the positive cache first when `cached`) and emits the report;
    /// returns the exit code.
    /// `tips`: the commits a range ends at, when the scan covers a range (findings from other commits then name theirs).
    func verifyAndEmit(_ scan: ScanResult, config: ToolConfig, cached: Bool = false, defaultFormat: ReportFormat = .text,
                       progress: ProgressLine? = nil, tips: [ObjectID] = []) throws -> Int32 {
        let verifier = try makeVerifier(config, cached: cached, progress: progress)
        let layers = Set(scan.images.flatMap { $0.blobs.map(\.digest) }).count
        progress?.update("asking ECR Public about \(layers) blob\(layers == 1 ? "" : "s") of \(scan.images.count) image\(scan.images.count == 1 ? "" : "s")")
        let scan = applyUnmappedPolicy(scan)
        var report = verifier.verify(scan, started: started)
        progress?.finish()
        if !tips.isEmpty { report.commits = commitNotes(report, tips: tips) }
        return try emit(report, defaultFormat: defaultFormat, cacheTTL: verifier.cache == nil ? nil : config.cacheTTL)
    }
}

/// Parses `A..B`, `A..` (to HEAD) and `..B` (from HEAD) the way git does; `A...B` is refused rather than misread.
enum RangeSyntax {
    static func parse(_ text: String) throws -> (base: String, head: String) {
        if text.contains("...") {
            throw Failure.usage("--range \(text.debugDescription): symmetric ranges (A...B) are not supported; use A..B")
        }
        guard let separator = text.firstRange(of: "..") else {
            throw Failure.usage("--range \(text.debugDescription) must look like A..B (commits reachable from B and not from A)")
        }
        let base = String(text[..<separator.lowerBound])
        let head = String(text[separator.upperBound...])
        if base.isEmpty && head.isEmpty { throw Failure.usage("--range needs at least one side: A..B, A.. or ..B") }
        return (base.isEmpty ? "HEAD" : base, head.isEmpty ? "HEAD" : head)
    }
}
