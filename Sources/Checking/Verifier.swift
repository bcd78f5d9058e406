import Dispatch
import ImageModel
import Synchronization

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an unverifiable result does (`--on-error`).
public enum OnErrorPolicy: String, Sendable, CaseIterable {
    case fail, warn
}

/// Knobs of one verification run.
public struct VerifyOptions: Sendable {
    public var checkConfigBlob: Bool
    public var onError: OnErrorPolicy
    public var strict: Bool
    /// Whether committed manifests and tags are checked (only when the verifier has a `ManifestRegistry`).
    public var checkManifests: ManifestCheckLevel

    public init(
        checkConfigBlob: Bool = true, onError: OnErrorPolicy = .fail, strict: Bool = false,
        checkManifests: ManifestCheckLevel = .error
    ) {
        self.checkConfigBlob = checkConfigBlob
        self.onError = onError
        self.strict = strict
        self.checkManifests = checkManifests
    }
}

/// The pipeline stage between reading and reporting: plan the calls, ask the registry, turn answers into findings.
/// The `Checking` module owns the plan, verdicts, manifest checks, findings from answers, the exit status and the
/// positive cache; it must not read git, talk to the network (the registry comes in as `LayerRegistry`) or print.
public struct Verifier {
    public var registry: LayerRegistry
    public var cache: PositiveCache?
    public var options: VerifyOptions
    /// Answers manifest and tag lookups (SPEC §4.2); nil skips them.
    public var manifests: ManifestRegistry?
    /// Which way was asked (`api`, `registry`), for the summary.
    public var via: String?

    public init(
        registry: LayerRegistry, cache: PositiveCache? = nil, options: VerifyOptions = VerifyOptions(),
        manifests: ManifestRegistry? = nil, via: String? = nil
    ) {
        self.registry = registry
        self.cache = cache
        self.options = options
        self.manifests = manifests
        self.via = via
    }

    /// Asks about every distinct committed manifest, index and tag once, after the blobs.
    private func manifestAnswers(_ images: [Image]) -> [ManifestQuery: ManifestAnswer] {
        guard let manifests, options.checkManifests != .off else { return [:] }
        let queries = ManifestChecks(level: options.checkManifests).queries(for: images)
        return queries.isEmpty ? [:] : manifests.checkManifests(queries)
    }

    /// Runs the check; pure apart from the registry and cache it was given.
    public func verify(_ scan: consuming ScanResult, started: Date = Date()) -> RunReport {
        let plan = Plan(images: scan.images, checkConfigBlob: options.checkConfigBlob, cache: cache)
        let verdicts = Verdicts(
            plan: plan, answers: plan.batches.isEmpty ? [] : registry.check(plan.batches), cache: cache)
        plan.forgetBatches()
        let manifests = manifestAnswers(scan.images)
        return report(consume scan, plan: plan, verdicts: verdicts, manifests: manifests, started: started)
    }

    /// Reads and checks at once: `read` calls `emit` for each image as it is read and returns everything it read;
    /// full batches go to the registry (on another thread) while reading goes on. Errors from `read` are rethrown
    /// once the registry has stopped.
    public func verify(reading read: (_ emit: (Image) -> Void) throws -> ScanResult, started: Date = Date()) throws
        -> RunReport
    {
        let plan = Plan(checkConfigBlob: options.checkConfigBlob, cache: cache)
        let stream = BatchStream()
        let box = AnswerBox()
        let done = DispatchSemaphore(value: 0)
        // Handed over, not shared: from here on only the worker thread uses the registry (the reading thread touches only
        // the stream, which is locked), and `done.wait()` orders the worker's last use before anything after it.
        nonisolated(unsafe) let registry = self.registry
        let work = {
            box.put(registry.check(stream: stream))
            done.signal()
        }
        if !WorkerThread.start(stackSize: 8 << 20, work) { work() }
        let scan: ScanResult
        do {
            scan = try read { image in stream.push(plan.add(image)) }
        } catch {
            stream.finish()
            done.wait()
            throw error
        }
        stream.push(plan.finish())
        stream.finish()
        done.wait()
        // The answers are folded into verdicts and let go before the report is built: they are the largest thing a run holds.
        let verdicts = Verdicts(plan: plan, answers: box.take(), cache: cache)
        plan.forgetBatches()
        let manifests = manifestAnswers(scan.images)
        return report(consume scan, plan: plan, verdicts: verdicts, manifests: manifests, started: started)
    }

    /// Builds the report, consuming `scan`: each image's blobs and findings are let go once its result is made, so the
    /// scan and the report are not both held whole at the peak of a large run.
    private func report(
        _ scan: consuming ScanResult, plan: Plan, verdicts: Verdicts, manifests: [ManifestQuery: ManifestAnswer],
        started: Date
    ) -> RunReport {
        var findings = scan.findings
        scan.findings = []
        var owners = [[Int]](repeating: [], count: findings.count)
        var imageResults: [ImageResult] = []
        imageResults.reserveCapacity(scan.images.count)
        let manifestChecks = ManifestChecks(level: options.checkManifests)
        var failures = verdicts.failures
        for position in scan.images.indices {
            let image = scan.images[position]
            scan.images[position].blobs = []
            scan.images[position].findings = []
            let manifestOutcome: (findings: [Finding], failures: [BatchFailure]) =
                manifests.isEmpty ? ([], []) : manifestChecks.findings(for: image, answers: manifests)
            failures += manifestOutcome.failures
            let (result, imageFindings) = evaluate(
                image, plan: plan, verdicts: verdicts, extra: manifestOutcome.findings)
            imageResults.append(result)
            findings.append(contentsOf: imageFindings)
            owners.append(contentsOf: repeatElement([position], count: imageFindings.count))
        }
        if options.onError == .warn {
            findings = findings.map { finding in
                var demoted = finding
                if finding.rule == .verificationError { demoted.severity = .warning }
                return demoted
            }
        }
        var summary = Summary()
        summary.images = scan.images.count
        summary.requests = plan.requestCount
        for verdict in verdicts.byNumber {
            summary.layers += 1
            switch verdict {
            case .available(_, _, let cached)?:
                summary.available += 1
                if cached { summary.cached += 1 }
            case .unavailable?: summary.unavailable += 1
            case .invalid?: summary.invalid += 1
            case .failed?, nil: summary.unverified += 1
            }
        }
        summary.skipped = plan.skippedCount
        summary.invalid += plan.locallyInvalidCount
        for finding in findings {
            switch finding.severity {
            case .error: summary.errors += 1
            case .warning: summary.warnings += 1
            case .notice: summary.notices += 1
            }
        }
        summary.durationSeconds = Date().timeIntervalSince(started)
        summary.via = summary.layers > 0 || !manifests.isEmpty ? via : nil
        // An image's counts are those of every finding it shows, its own and those of the output its graph shares.
        let attribution = Attribution.compute(findings: findings, images: imageResults, owners: owners)
        for (position, shown) in attribution.enumerated() {
            imageResults[position].errors = shown.filter { findings[$0].severity == .error }.count
            imageResults[position].warnings = shown.filter { findings[$0].severity == .warning }.count
            imageResults[position].notices = shown.filter { findings[$0].severity == .notice }.count
        }
        var report = RunReport(findings: findings, images: imageResults, summary: summary, imageFindings: attribution)
        report.summary.exitCode = ExitStatus.code(for: report, options: options, failures: failures)
        report.runWide = Self.runWide(verdicts)
        return report
    }

    /// One failure that hit every call, so reports can say it once: nil when any call got an answer or the failures differ in kind.
    static func runWide(_ verdicts: Verdicts) -> RunWideFailure? {
        guard let first = verdicts.failures.first, first.kind != .repositoryNotFound,
            verdicts.failures.allSatisfy({ $0.kind == first.kind && $0.noCredentials == first.noCredentials })
        else { return nil }
        for verdict in verdicts.byNumber {
            switch verdict {
            case .available(_, _, let cached)? where !cached: return nil
            case .unavailable?, .invalid?: return nil
            default: continue
            }
        }
        let kind: RunWideFailure.Kind
        if first.kind == .credentials {
            kind = first.noCredentials ? .noCredentials : .accessDenied
        } else {
            let text = first.message.lowercased()
            kind =
                text.contains("timed out") || text.contains("timeout") || text.contains("deadline")
                ? .timeout : .connection
        }
        return RunWideFailure(kind: kind, cause: first.message, tried: first.tried)
    }

    private func evaluate(_ image: Image, plan: Plan, verdicts: Verdicts, extra: [Finding] = []) -> (
        ImageResult, [Finding]
    ) {
        var findings = image.findings + extra
        var blobs: [BlobResult] = []
        blobs.reserveCapacity(image.blobs.count)
        var failureMessages: [BatchFailure.Kind: (message: String, count: Int)] = [:]
        let reference = image.name
        let platform = image.platform?.description
        let repositoryText = image.repository?.description
        let numberOf = image.repository.map { plan.numbers(in: $0) }
        for blob in image.blobs {
            if blob.role == .config && !options.checkConfigBlob { continue }
            if MediaType.isNonDistributable(blob.mediaType) {
                blobs.append(
                    BlobResult(
                        digest: blob.digest, size: blob.size, mediaType: blob.mediaType, role: blob.role,
                        status: .skipped))
                continue
            }
            guard let repository = image.repository else {
                blobs.append(
                    BlobResult(
                        digest: blob.digest, size: blob.size, mediaType: blob.mediaType, role: blob.role,
                        status: .unverified))
                continue
            }
            let what = blob.role == .config ? "config blob" : "layer"
            func finding(_ rule: Rule, _ message: String, severity: Severity? = nil) -> Finding {
                Finding(
                    rule: rule, severity: severity, message: message + (blob.member.map { " (\($0))" } ?? ""),
                    path: blob.path, line: blob.line, commit: image.commit,
                    image: reference, platform: platform, digest: blob.digest.string, repository: repositoryText)
            }
            var status = BlobStatus.unverified
            var cached = false
            switch numberOf?(blob.digest).flatMap({ verdicts.byNumber[$0] }) {
            case .available(let size, let mediaType, let fromCache)?:
                status = .available
                cached = fromCache
                if let size, size != blob.size {
                    findings.append(
                        finding(
                            .sizeMismatch,
                            "\(what) \(blob.digest) is \(blob.size) bytes in the descriptor but \(size) bytes in \(repository)"
                        ))
                }
                if let mediaType, !mediaType.isEmpty, mediaType != blob.mediaType, blob.role == .layer {
                    findings.append(
                        finding(
                            .mediaTypeMismatch,
                            "\(what) \(blob.digest) is \(blob.mediaType) in the descriptor but \(mediaType) in \(repository)"
                        ))
                }
            case .unavailable(let reason)?:
                status = .unavailable
                findings.append(
                    finding(
                        .layerUnavailable,
                        "\(what) \(blob.digest) is not available in \(repository)\(reason.isEmpty ? "" : ": \(reason)")"
                    ))
            case .invalid(let reason)?:
                status = .invalid
                findings.append(
                    finding(
                        .layerInvalid,
                        "\(what) \(blob.digest) was rejected by the service as invalid\(reason.isEmpty ? "" : ": \(reason)")"
                    ))
            case .failed(let failure)?:
                var entry = failureMessages[failure.kind] ?? (failure.message, 0)
                entry.count += 1
                failureMessages[failure.kind] = entry
            case nil:
                break
            }
            blobs.append(
                BlobResult(
                    digest: blob.digest, size: blob.size, mediaType: blob.mediaType, role: blob.role, status: status,
                    cached: cached))
        }
        for kind in [BatchFailure.Kind.repositoryNotFound, .credentials, .unverifiable] {
            guard let entry = failureMessages[kind], let repository = image.repository else { continue }
            let rule: Rule = kind == .repositoryNotFound ? .repositoryNotFound : .verificationError
            let message =
                kind == .repositoryNotFound
                ? "\(repository) does not exist in ECR Public: \(entry.message)"
                : "could not verify \(entry.count) blob(s) in \(repository): \(entry.message)"
            findings.append(
                Finding(
                    rule: rule, message: message, path: image.manifestPath, line: 1, commit: image.commit,
                    image: reference, platform: platform, repository: repositoryText))
        }
        let result = ImageResult(
            name: image.name, path: image.outputPath, manifestPath: image.manifestPath,
            manifestDigest: image.manifestDigest,
            platform: platform, repository: repositoryText, commit: image.commit, blobs: blobs,
            errors: findings.filter { $0.severity == .error }.count,
            warnings: findings.filter { $0.severity == .warning }.count,
            notices: findings.filter { $0.severity == .notice }.count, refName: image.refName,
            indexDigests: image.indexDigests)
        var described = result
        described.outputKind = image.outputKind
        return (described, findings)
    }
}

/// Carries the registry's answers back from the worker thread.
final class AnswerBox: Sendable {
    private let answers = Mutex<[BatchAnswer]>([])

    func put(_ given: [BatchAnswer]) {
        answers.withLock { $0 = given }
    }

    /// Hands the answers over and forgets them, so they can be freed once read.
    func take() -> [BatchAnswer] {
        answers.withLock { answers in
            defer { answers = [] }
            return answers
        }
    }
}

/// Every planned (repository, digest)'s verdict, by the plan's key number, plus the batch failures that decide the exit code.
struct Verdicts {
    var byNumber: [Verdict?]
    var failures: [BatchFailure] = []

    init(plan: Plan, answers given: [BatchAnswer], cache: PositiveCache?) {
        byNumber = [Verdict?](repeating: nil, count: plan.keyCount)
        for number in plan.cachedKeys { byNumber[number] = .available(size: nil, mediaType: nil, cached: true) }
        // A batch the registry left unanswered is a verification error, never a silent pass.
        var answered = Set<LayerBatch>()
        for answer in given { answered.insert(answer.batch) }
        let answers =
            given
            + plan.batches.filter { !answered.contains($0) }.map {
                BatchAnswer(batch: $0, failure: BatchFailure(.unverifiable, "the service was never asked (no answer)"))
            }
        var confirmed: [(RepositoryRef, Digest)] = []
        for answer in answers {
            if let failure = answer.failure { failures.append(failure) }
            failures += answer.digestFailures.values
            let numberOf = plan.numbers(in: answer.batch.repository)
            for (index, digest) in answer.batch.digests.enumerated() {
                guard let number = numberOf(digest) else { continue }
                if let failure = answer.failure ?? answer.digestFailures[digest] {
                    byNumber[number] = .failed(failure)
                } else if let layer = answer.verdict(at: index) {
                    switch layer {
                    case .available(let size, let mediaType):
                        byNumber[number] = .available(size: size, mediaType: mediaType, cached: false)
                        if cache != nil { confirmed.append((answer.batch.repository, digest)) }
                    case .unavailable(let reason):
                        byNumber[number] = .unavailable(reason)
                    case .invalid(let reason):
                        byNumber[number] = .invalid(reason)
                    }
                } else {
                    byNumber[number] = .failed(
                        BatchFailure(.unverifiable, "the service's answer did not mention \(digest)"))
                }
            }
        }
        if let cache, !confirmed.isEmpty { cache.recordAvailable(confirmed) }
    }
}

/// The service's or the cache's verdict on one (repository, digest).
enum Verdict {
    case available(size: Int64?, mediaType: String?, cached: Bool)
    case unavailable(String)
    case invalid(String)
    case failed(BatchFailure)
}
