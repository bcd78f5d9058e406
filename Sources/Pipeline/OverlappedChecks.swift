import Checking
import GitAccess
import ImageModel
import ImageOutputs
import Reports

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The output versions a set of ranges brings, per config group, walked and diffed but not yet read.
struct IntroducedPlan {
    struct Part {
        var scanner: ImageScanner
        var changes: IntroducedChanges
    }
    var parts: [Part]
    var config: ToolConfig
    var commits: Int
    var tips: [ObjectID]
    /// Remembers which versions were read, so a version two groups share is read once.
    var reader: RangeScanner

    /// Nothing to read and nothing to report: no image output changed.
    var isEmpty: Bool { parts.allSatisfy { $0.changes.isEmpty } }
}

/// Range checks (`pre-push`, `check --range`, `ci`) and the CI full-tree check with reading and asking overlapped: the
/// walk and diff come first (cheap, and a push touching no output stops there), then outputs are read while the calls
/// for what was already read are in flight.
extension RunContext {
    /// Walks and diffs the requested ranges without reading any output: which versions each config group brings.
    /// Ranges whose tips carry the same config are walked together, as `git rev-list <tips> --not <hidden>`: whatever
    /// the remote has under any name is excluded once. Tips with another config get their own walk (with the earlier
    /// tips hidden, so no commit is scanned twice) and are read with that config.
    func planIntroduced(_ requests: [RangeRequest], progress: ProgressLine? = nil) throws -> IntroducedPlan {
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
                groups.append(
                    Group(key: key, config: try config(at: request.tip), tips: [request.tip], hidden: request.hidden))
            }
        }
        progress?.update("reading the pushed commits")
        let scanner = RangeScanner(repository: repository)
        var parts: [IntroducedPlan.Part] = []
        var earlierTips: [ObjectID] = []
        for group in groups {
            let imageScanner = ImageScanner(
                repository: repository, resolver: resolver(group.config), exclude: group.config.exclude)
            let hidden = Array(Set(group.hidden + earlierTips)).sorted()
            do {
                let changes = try scanner.changes(
                    tips: group.tips, hidden: hidden, scanner: imageScanner,
                    manifestFiles: group.config.manifestFileCandidates)
                parts.append(IntroducedPlan.Part(scanner: imageScanner, changes: changes))
            } catch let error as GitError {
                throw Failure.config("cannot read the commits to check: \(error.message)")
            }
            earlierTips += group.tips
        }
        return IntroducedPlan(
            parts: parts, config: groups.first?.config ?? ToolConfig(), commits: scanner.commitsScanned,
            tips: requests.map(\.tip), reader: scanner)
    }

    /// Reads the versions of `plan`, handing this shard's images to `emit` as each output is read (after telling it
    /// what every version of every part can map to).
    func readIntroduced(_ plan: IntroducedPlan, emit: ImageSink? = nil) throws -> ScanResult {
        var result = ScanResult()
        do {
            for part in plan.parts {
                try emit?.expect(plan.reader.forecast(part.changes, scanner: part.scanner))
            }
        } catch let error as GitError {
            throw Failure.config("cannot read the commits to check: \(error.message)")
        }
        // Reading is over before the last answers are in: libgit2 need not hold the pack meanwhile.
        defer { repository.releaseCaches() }
        for part in plan.parts {
            do {
                let read = try plan.reader.read(part.changes, scanner: part.scanner, onOutput: emit.map(onOutput))
                result.images += read.images
                result.findings += read.findings
            } catch let error as GitError {
                throw Failure.config("cannot read the commits to check: \(error.message)")
            }
        }
        return applyShard(result)
    }

    /// Reads what `plan` brings and asks about it at once (calls start while outputs are still being read), then emits
    /// the report; returns the exit code. The client is set up only here, so a push that touches no output needs none.
    func verifyIntroduced(
        _ plan: IntroducedPlan, cached: Bool = false, defaultFormat: ReportFormat = .text,
        progress: ProgressLine? = nil
    ) throws -> Int32 {
        let verifier = try makeVerifier(plan.config, cached: cached, defaultFormat: defaultFormat, progress: progress)
        let versions = plan.parts.reduce(0) { $0 + $1.changes.versions.count }
        progress?.update(
            "asking ECR Public about the blobs of \(versions) image output version\(versions == 1 ? "" : "s") as they are read"
        )
        var report = try verifier.verify(
            reading: { emit in
                // The policy changes findings' severity only, which the report reads from the returned scan, not the plan.
                applyUnmappedPolicy(try readIntroduced(plan, emit: emit))
            }, started: started)
        progress?.finish()
        if !plan.tips.isEmpty { report.commits = commitNotes(report, tips: plan.tips) }
        return try emit(
            report, defaultFormat: defaultFormat, cacheTTL: verifier.cache == nil ? nil : plan.config.cacheTTL,
            scratch: verifier.options.imageSpill)
    }

    /// Reads the tree of `commit` and asks about it at once; emits the report and returns the exit code.
    func verifyTree(
        _ commit: ObjectID, config: ToolConfig, defaultFormat: ReportFormat = .text, progress: ProgressLine? = nil
    ) throws -> Int32 {
        progress?.update("reading \(commit.short)")
        let verifier = try makeVerifier(config, defaultFormat: defaultFormat, progress: progress)
        let report = try verifier.verify(
            reading: { emit in
                applyUnmappedPolicy(try scanTree(commit, config: config, emit: emit))
            }, started: started)
        progress?.finish()
        return try emit(report, defaultFormat: defaultFormat, scratch: verifier.options.imageSpill)
    }
}
