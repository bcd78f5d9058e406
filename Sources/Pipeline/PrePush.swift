import GitAccess
import ImageModel
import Reports

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// git's pre-push protocol (SPEC §1.1), short like git-lfs's: honour the skip variable, read every ref line, work out
/// what the remote lacks, hand off to the range walk and the verifier.
extension RunContext {
    /// `pre-push <remote> [<url>]` for git's ref lines; returns the exit code.
    func prePush(_ lines: [PushLine], remote: String?, url: String?) throws -> Int32 {
        let started = Date()
        let requests = try pushRequests(lines, remote: remote, url: url)
        guard !requests.isEmpty else { return try emitNothingToCheck(started: started) }
        // Made only now: a push with nothing to check draws nothing and starts no timer.
        let progress = ProgressLine.make(quiet: options.quiet, environment: environment)
        defer { progress?.finish() }
        let plan = try planIntroduced(requests, progress: progress)
        if plan.isEmpty {
            if options.verbose {
                Console.err("verify-layers: no image output changed in \(plan.commits) new commit(s); nothing to check")
            }
            return try emitNothingToCheck(started: started)
        }
        return try verifyIntroduced(plan, cached: true, progress: progress)
    }

    /// A push that brings no image output stays silent in text, as git-lfs's hook does; a report asked for by
    /// `--format` or `--report` is still written, the same empty envelope `check` writes (SPEC §6).
    func emitNothingToCheck(started: Date) throws -> Int32 {
        let textOnStdout = (options.format ?? .text) == .text
        guard !textOnStdout || !options.reports.isEmpty else { return 0 }
        return try emitEmpty(started: started, printing: !textOnStdout)
    }

    /// The report of a run that checked nothing: no images, exit 0.
    func emitEmpty(started: Date, defaultFormat: ReportFormat = .text, printing: Bool = true) throws -> Int32 {
        var summary = Summary()
        summary.durationSeconds = Date().timeIntervalSince(started)
        return try emit(
            RunReport(findings: [], images: [], summary: summary), defaultFormat: defaultFormat, printing: printing)
    }

    /// A repository with no commit yet has nothing to check (SPEC §2: exit 0), when no revision was named; a named one
    /// that names nothing stays a usage error.
    func nothingCommittedYet() -> Bool {
        guard repository.headIsUnborn else { return false }
        Console.err("verify-layers: this repository has no commits yet; nothing to check")
        return true
    }

    /// One range per pushed ref (deletions skipped), hiding what the remote already has; or the pre-commit framework's range.
    func pushRequests(_ lines: [PushLine], remote: String?, url: String?) throws -> [RangeRequest] {
        if lines.isEmpty {
            guard let from = nonEmpty(environment["PRE_COMMIT_FROM_REF"]),
                let to = nonEmpty(environment["PRE_COMMIT_TO_REF"])
            else { return [] }
            return [RangeRequest(tip: try commit(to), hidden: [try commit(from)])]
        }
        let remoteName = remote ?? nonEmpty(environment["PRE_COMMIT_REMOTE_NAME"])
        var remoteTips: [ObjectID] = []
        if let remoteName, PushLine.isRemoteName(remoteName, url: url) {
            remoteTips = try repository.refTips(prefix: "refs/remotes/\(remoteName)/")
        }
        var requests: [RangeRequest] = []
        for line in lines where !line.localID.isZero {
            guard let tip = peeledCommit(line.localID) else {
                if options.verbose {
                    Console.err(
                        "verify-layers: \(line.localRef) (\(line.localID.short)) is not a commit; nothing to check for it"
                    )
                }
                continue
            }
            var hidden = remoteTips
            if !line.remoteID.isZero, let known = peeledCommit(line.remoteID) { hidden.append(known) }
            requests.append(RangeRequest(tip: tip, hidden: hidden))
        }
        return requests
    }

    private func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}

/// `VERIFY_LAYERS_SKIP`: 1/true/yes/on skip, as git-lfs reads `GIT_LFS_SKIP_PUSH`.
public enum PushSkip {
    public static func isSet(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["1", "true", "yes", "on"].contains(value.trimmingWhitespace().lowercased())
    }
}

/// One stdin line of git's pre-push protocol: `<local ref> SP <local oid> SP <remote ref> SP <remote oid>`.
struct PushLine: Equatable {
    var localRef: String
    var localID: ObjectID
    var remoteRef: String
    var remoteID: ObjectID

    /// Every non-blank line; anything else than four fields with two 40-hex ids is a usage error naming the line.
    static func parse(_ input: String) throws -> [PushLine] {
        var lines: [PushLine] = []
        for (number, raw) in input.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = raw.trimmingWhitespaceAndNewlines()
            if text.isEmpty { continue }
            let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count == 4, let local = ObjectID(hex: fields[1]), let remote = ObjectID(hex: fields[3]) else {
                throw Failure.usage(
                    "pre-push: stdin line \(number + 1) is not `<local ref> <local oid> <remote ref> <remote oid>`: \(String(text.prefix(200)).debugDescription)"
                )
            }
            lines.append(PushLine(localRef: fields[0], localID: local, remoteRef: fields[2], remoteID: remote))
        }
        return lines
    }

    /// git passes the URL as the "name" when pushing to a URL: then there are no remote-tracking refs to exclude.
    static func isRemoteName(_ name: String, url: String?) -> Bool {
        if name.isEmpty || name == url { return false }
        if name.contains("//") || name.contains("..") || name.hasPrefix("/") || name.hasSuffix("/") { return false }
        return !name.contains { ":*?[\\ ~^".contains($0) || $0.isNewline }
    }
}
