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
    /// Whether the report keeps every blob's row (`ImageResult.blobs`): false when no report of the run shows them, so
    /// each image keeps only their counts, and a streaming run judges each repository's images as soon as it is done
    /// and lets its keys go (memory then follows the repositories in flight, not the layer count).
    public var keepsBlobRows: Bool
    /// Where a run that keeps no rows writes them when a report shows them after all (the JSON one, the verbose text):
    /// each image's rows as it is judged, read back as the report is written.
    public var rowSpill: (any BlobRowSpill)?
    /// Where a streaming run's judged images wait for the report once it holds many (`HeldImages.judgedKeptInMemory`),
    /// so memory does not grow with the image count either; the same scratch file as `rowSpill` when there is one.
    public var imageSpill: (any BlobRowSpill)?

    public init(
        checkConfigBlob: Bool = true, onError: OnErrorPolicy = .fail, strict: Bool = false,
        checkManifests: ManifestCheckLevel = .error, keepsBlobRows: Bool = true
    ) {
        self.checkConfigBlob = checkConfigBlob
        self.onError = onError
        self.strict = strict
        self.checkManifests = checkManifests
        self.keepsBlobRows = keepsBlobRows
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
    /// Starts the registry's side of a streaming run on its own thread; false when no thread could be started.
    var startWorker: (_ body: @escaping () -> Void) -> Bool = {
        WorkerThread.start(stackSize: WorkerThread.defaultStackSize, $0)
    }

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

    /// What the manifest lookups are planned and judged by: the level, and whether configs can be compared.
    private var manifestChecks: ManifestChecks {
        ManifestChecks(level: options.checkManifests, comparesConfigs: manifests?.readsConfigs ?? true)
    }

    /// Asks about every distinct committed manifest, index and tag once, after the blobs; not when every blob call
    /// failed the same way (`runWide`: no credentials, access denied, unreachable, timed out), as the lookups would
    /// fail alike and only double the wait before the run says it could verify nothing.
    /// `images` is asked for only when manifests are checked (a run's stored images are read back for it).
    private func manifestAnswers(
        _ images: @autoclosure () -> [Image], after runWide: RunWideFailure?
    ) -> [ManifestQuery: ManifestAnswer] {
        guard let manifests, options.checkManifests != .off, runWide == nil else { return [:] }
        let queries = manifestChecks.queries(for: images())
        return queries.isEmpty ? [:] : manifests.checkManifests(queries)
    }

    /// How many batches reading may run ahead of the registry taking them before the reading thread waits: a scan
    /// faster than the rate limit would otherwise queue every batch of the run.
    static let readAhead = 64

    /// Runs the check; pure apart from the registry and cache it was given.
    public func verify(_ scan: consuming ScanResult, started: Date = Date()) -> RunReport {
        let plan = Plan(images: scan.images, checkConfigBlob: options.checkConfigBlob, cache: cache)
        let verdicts = Verdicts(
            plan: plan, answers: plan.batches.isEmpty ? [] : registry.check(plan.batches),
            collectingConfirmed: cache != nil)
        plan.forgetBatches()
        let runWide = Self.runWide(verdicts)
        let manifests = manifestAnswers(scan.images, after: runWide)
        var images = consume scan
        let findings = images.findings
        images.findings = []
        let judging = judgingOptions(named: findings)
        return report(
            findings: findings, imageCount: images.images.count, plan: plan, verdicts: verdicts, manifests: manifests,
            runWide: runWide, started: started
        ) { position in
            // Each image's blobs and findings are let go once it is judged, so the scan and the report are not both
            // held whole at the peak of a large run.
            defer {
                images.images[position].blobs = []
                images.images[position].findings = []
            }
            return ImageEvaluation.judge(
                images.images[position], keys: nil, plan: plan, verdicts: verdicts, options: judging)
        }
    }

    /// How this run judges images; `named`: findings made for no single image, whose digests a row-less result keeps.
    private func judgingOptions(named findings: [Finding] = []) -> JudgingOptions {
        JudgingOptions(
            checkConfigBlob: options.checkConfigBlob, keepsRows: options.keepsBlobRows,
            named: options.keepsBlobRows ? [] : Set(findings.compactMap(\.digest)),
            spill: options.keepsBlobRows ? nil : options.rowSpill)
    }

    /// Reads and checks at once: `read` puts each image into the sink as it is read (the report's images are those, in
    /// that order, kept packed until the report is built) and returns the run-wide findings it made (the images it
    /// returns are not used, so it need not keep their blobs). Full batches go to the registry (on another thread)
    /// while reading goes on, and each repository's partial one once the sink knows no unread output can add to it;
    /// answers are folded into the verdicts as they come back (on the reading thread, between images), so they are
    /// never all held. Errors from `read` are rethrown once the registry has stopped.
    public func verify(reading read: (_ emit: ImageSink) throws -> ScanResult, started: Date = Date()) throws
        -> RunReport
    {
        let plan = Plan(
            checkConfigBlob: options.checkConfigBlob, cache: cache, retiringKeys: !options.keepsBlobRows)
        let inbox = AnswerInbox()
        let done = DispatchSemaphore(value: 0)
        // Handed over, not shared: from here on only the worker thread uses the registry (the reading thread touches only
        // the stream and the inbox, which are locked), and `done.wait()` orders the worker's last use before anything
        // after it.
        nonisolated(unsafe) let registry = self.registry
        let work = { (stream: BatchStream) in
            registry.check(stream: stream, delivering: inbox.put)
            done.signal()
        }
        let bounded = BatchStream(bound: Self.readAhead)
        let threaded = startWorker { work(bounded) }
        // Without a worker thread, reading comes first, into a stream that never makes it wait, and the calls after it.
        let stream = threaded ? bounded : BatchStream()
        let sink = ImageSink(
            plan: plan, stream: stream, inbox: inbox, verdicts: Verdicts(collectingConfirmed: cache != nil),
            judging: options.keepsBlobRows ? nil : judgingOptions(),
            store: options.keepsBlobRows ? nil : options.imageSpill)
        let scan: ScanResult
        do {
            scan = try read(sink)
        } catch {
            stream.finish()
            if threaded { done.wait() }
            throw error
        }
        sink.send(plan.finish())
        sink.endReading()
        stream.finish()
        if !threaded { work(stream) }
        // The last calls are still out: fold the answers already back meanwhile, so few are left once they all are.
        while done.wait(timeout: .now() + .milliseconds(2)) == .timedOut { sink.foldAnswers() }
        sink.foldAnswers()
        sink.verdicts.settle(plan: plan)
        let runWide = Self.runWide(sink.verdicts)
        let manifests = manifestAnswers(sink.held.images, after: runWide)
        // The images come from the sink (packed, or judged, since), the run-wide findings from what `read` returned.
        let judging = judgingOptions(named: scan.findings)
        return report(
            findings: scan.findings, imageCount: sink.held.count, plan: plan, verdicts: sink.verdicts,
            manifests: manifests, runWide: runWide, started: started, mismatched: sink.mismatched
        ) { sink.held.takeJudged($0, plan: plan, verdicts: sink.verdicts, options: judging) }
    }

    /// Builds the report from the run-wide `findings` and `imageCount` images, each asked of `image` once, in order.
    private func report(
        findings runFindings: [Finding], imageCount: Int, plan: Plan, verdicts: Verdicts,
        manifests: [ManifestQuery: ManifestAnswer], runWide: RunWideFailure?, started: Date,
        mismatched early: [Int] = [],
        image judged: (Int) -> JudgedImage
    ) -> RunReport {
        var findings = runFindings
        var owners = [[Int]](repeating: [], count: findings.count)
        var imageResults: [ImageResult] = []
        imageResults.reserveCapacity(imageCount)
        var failures = verdicts.failures
        var mismatched = Set(early)
        for position in 0..<imageCount {
            let image = judged(position)
            let manifestOutcome: (findings: [Finding], failures: [BatchFailure]) =
                manifests.isEmpty ? ([], []) : manifestChecks.findings(for: image.image, answers: manifests)
            failures += manifestOutcome.failures
            mismatched.formUnion(image.mismatchedKeys)
            let (result, imageFindings) = image.finish(manifestFindings: manifestOutcome.findings)
            imageResults.append(result)
            findings.append(contentsOf: imageFindings)
            owners.append(contentsOf: repeatElement([position], count: imageFindings.count))
        }
        if let cache {
            let confirmed = verdicts.confirmedEntries(excluding: mismatched)
            if !confirmed.isEmpty { cache.recordAvailable(confirmed) }
        }
        // `--on-error warn` excuses an unreachable or unwilling service, not settings that make asking impossible (78).
        if options.onError == .warn, !failures.contains(where: { $0.kind == .configuration }) {
            findings = findings.map { finding in
                var demoted = finding
                if finding.rule == .verificationError { demoted.severity = .warning }
                return demoted
            }
        }
        var summary = Summary.of(verdicts: verdicts, plan: plan, findings: findings)
        summary.images = imageCount
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
        report.runWide = runWide
        return report
    }

    /// One failure that hit every call, so reports can say it once: nil when any call got an answer or the failures differ in kind.
    static func runWide(_ verdicts: Verdicts) -> RunWideFailure? {
        guard let first = verdicts.failures.first, first.kind != .repositoryNotFound,
            verdicts.failures.allSatisfy({ $0.kind == first.kind && $0.noCredentials == first.noCredentials })
        else { return nil }
        if verdicts.anyAnswered { return nil }
        let kind: RunWideFailure.Kind
        if first.kind == .credentials {
            kind = first.noCredentials ? .noCredentials : .accessDenied
        } else if first.kind == .configuration {
            kind = .configuration
        } else {
            let text = first.message.lowercased()
            kind =
                text.contains("timed out") || text.contains("timeout") || text.contains("deadline")
                ? .timeout : .connection
        }
        return RunWideFailure(kind: kind, cause: first.message, tried: first.tried)
    }
}

/// Carries the registry's answers from the worker thread to the reading thread as they come.
final class AnswerInbox: Sendable {
    private let answers = Mutex<[BatchAnswer]>([])

    func put(_ answer: BatchAnswer) {
        answers.withLock { $0.append(answer) }
    }

    /// Hands over what arrived since the last call.
    func take() -> [BatchAnswer] {
        answers.withLock { answers in
            defer { answers = [] }
            return answers
        }
    }
}
