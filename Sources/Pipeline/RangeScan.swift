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

extension RunContext {
    /// Peels an id from a pre-push line or CI event to its commit; nil when it is not here or names no commit.
    func peeledCommit(_ id: ObjectID) -> ObjectID? {
        guard repository.contains(id) else { return nil }
        return try? repository.resolveCommit(id.hex)
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
