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

/// What a range brings before any output is read: the output versions to read, and findings about names.
public struct IntroducedChanges: Sendable {
    public var versions: [OutputVersion] = []
    public var findings: [Finding] = []

    public init() {}

    /// Nothing to read and nothing to say: a push that touches no image output.
    public var isEmpty: Bool { versions.isEmpty && findings.isEmpty }
}

/// Reads the image-output versions that a set of commits introduced, each distinct version once across every call:
/// the ImageOutputs entry point for `pre-push`, `check --range` and `ci`.
public final class RangeScanner {
    let repository: GitRepository
    private var seen = Set<VersionKey>()
    /// The snapshot of the commit read last: versions come in commit order, so one is enough, and a snapshot of each of
    /// hundreds of commits (with the trees each has read) is not kept to the end of the run.
    private var lastSnapshot: CommitSnapshot?
    /// Commits diffed so far (a commit reached from two refs is diffed once).
    public private(set) var commitsScanned = 0
    /// Distinct output versions read so far.
    public private(set) var versionsRead = 0
    private var diffed = Set<ObjectID>()
    /// Ranges longer than this are diffed in two halves at once (`RangeDiff`); tests lower it to cover the split.
    var splitAbove = RangeDiff.defaultSplitAbove
    private var reportedUnreadable = Set<String>()
    private var reportedSkipped = Set<SkippedOutput>()

    public init(repository: GitRepository) {
        self.repository = repository
    }

    /// Walks `tips` minus `hidden`, diffs each new commit against its parents and reads every new output version with
    /// `scanner` (whose resolver and excludes come from the config that applies to these tips).
    public func scan(tips: [ObjectID], hidden: [ObjectID], scanner: ImageScanner, manifestFiles: [String] = []) throws
        -> ScanResult
    {
        let commits = try CommitRange(repository: repository).commits(from: tips, excluding: hidden)
        return try scan(commits: commits, scanner: scanner, manifestFiles: manifestFiles)
    }

    /// Reads the new output versions of already-walked commits (oldest first, so a version is attributed to the
    /// commit that first introduced it).
    public func scan(commits: [WalkedCommit], scanner: ImageScanner, manifestFiles: [String] = []) throws -> ScanResult
    {
        try read(try changes(commits: commits, scanner: scanner, manifestFiles: manifestFiles), scanner: scanner)
    }

    /// Walks `tips` minus `hidden` and diffs each new commit, without reading any output yet: callers that check what
    /// they read start asking before reading ends (`read(_:scanner:onOutput:)`), and skip all set-up when nothing changed.
    public func changes(tips: [ObjectID], hidden: [ObjectID], scanner: ImageScanner, manifestFiles: [String] = [])
        throws -> IntroducedChanges
    {
        let commits = try CommitRange(repository: repository).commits(from: tips, excluding: hidden)
        return try changes(commits: commits, scanner: scanner, manifestFiles: manifestFiles)
    }

    /// The output versions `commits` introduce that no earlier call saw, and the findings of names that cannot be read.
    public func changes(commits: [WalkedCommit], scanner: ImageScanner, manifestFiles: [String] = []) throws
        -> IntroducedChanges
    {
        // The walk already read every commit's tree: a parent in the range is not read again.
        var trees: [ObjectID: ObjectID] = [:]
        trees.reserveCapacity(commits.count)
        for commit in commits { trees[commit.id] = commit.tree }
        let fresh = commits.filter { diffed.insert($0.id).inserted }
        let diff = RangeDiff(
            repository: repository, formats: scanner.formats, manifestFiles: manifestFiles, exclude: scanner.exclude,
            splitAbove: splitAbove)
        var result = IntroducedChanges()
        for (commit, changes) in zip(fresh, try diff.changes(of: fresh, trees: trees)) {
            commitsScanned += 1
            for name in changes.unreadableNames where reportedUnreadable.insert(name).inserted {
                result.findings.append(
                    Finding(
                        rule: .manifestInvalid,
                        message:
                            "the image output at \(name.debugQuoted) has a path that is not valid UTF-8, so it cannot be named or checked; rename it",
                        path: name, commit: commit.id.hex))
            }
            for skipped in changes.skipped
            where reportedSkipped.insert(skipped).inserted && !scanner.isExcluded(skipped.path)
                && !manifestFiles.contains(skipped.path)
            {
                result.findings.append(
                    Finding(rule: .outputSkipped, message: skipped.reason, path: skipped.path, commit: commit.id.hex))
            }
            for version in changes.versions {
                if scanner.isExcluded(version.output.path) { continue }
                guard
                    seen.insert(
                        VersionKey(kind: version.output.kind, path: version.output.path, content: version.content)
                    ).inserted
                else { continue }
                result.versions.append(version)
            }
        }
        return result
    }

    /// What each version of `changes` can map to, in the order `read` reads them, predicted without reading them.
    public func forecast(_ changes: IntroducedChanges, scanner: ImageScanner) throws -> [RepositoryForecast] {
        try scanner.forecasts(changes.versions) { ($0.output, try snapshot($0.commit)) }
    }

    /// Reads each version of `changes`; `onOutput` receives each version's images and findings as soon as it is read,
    /// and takes its images and candidates (the result returned then has its findings only, as with `ImageScanner.scan`).
    public func read(_ changes: IntroducedChanges, scanner: ImageScanner, onOutput: ((ScanResult) -> Void)? = nil)
        throws -> ScanResult
    {
        var result = ScanResult()
        result.findings = changes.findings
        for version in changes.versions {
            versionsRead += 1
            let part = scanner.read(version.output, in: try snapshot(version.commit))
            onOutput?(part)
            result.findings += part.findings
            guard onOutput == nil else { continue }
            result.images += part.images
            result.candidates += part.candidates
        }
        return result
    }

    private func snapshot(_ commit: ObjectID) throws -> CommitSnapshot {
        if let lastSnapshot, lastSnapshot.commitID == commit { return lastSnapshot }
        let snapshot = try CommitSnapshot(repository: repository, commit: commit)
        lastSnapshot = snapshot
        return snapshot
    }

    /// A version is its place and its content: the same bytes at another path may map to another repository.
    struct VersionKey: Hashable {
        var kind: OutputKind
        var path: String
        var content: ObjectID
    }
}
