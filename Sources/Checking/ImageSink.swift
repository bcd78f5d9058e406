import ImageModel

/// Where the reader of a streaming check (`Verifier.verify(reading:)`) puts its images, on the reading thread: each
/// image is planned at once and its repository's full batches leave while reading goes on. A reader that also says
/// what it will read (`expect`) and when each output is read (`outputRead`) lets each repository's last, partial batch
/// leave as soon as no unread output can add to it, instead of when reading ends; one that does not gets them then.
/// Between images it also folds the answers that came back meanwhile into the verdicts, and it keeps every image put
/// (packed) for the report.
public final class ImageSink {
    private let plan: Plan
    private let stream: BatchStream
    private let inbox: AnswerInbox
    private var countdown = OutputCountdown()
    /// Repositories of the images put since the last output was read: they may have gained a partial batch.
    private var touched = Set<RepositoryRef>()
    /// Every image put so far, in order, its blobs packed (or, once judged, what its result needs).
    var held: HeldImages
    /// The verdicts on every answer folded so far.
    var verdicts: Verdicts
    /// Set when images are judged as soon as their repository is done and its keys let go (a run that keeps no blob
    /// rows, with a plan that retires keys): memory then follows the repositories in flight, not the run.
    private var judging: JudgingOptions?
    /// Per repository, the images put and not yet judged, by position.
    private var waiting: [RepositoryRef: [Int]] = [:]
    /// Per repository, the digests sent and not yet answered.
    private var outstanding: [RepositoryRef: Int] = [:]
    /// Set once reading ended: every repository is settled then.
    private var readingEnded = false
    /// Batches handed to the registry so far.
    private var sentBatches = 0
    /// Keys judged early whose verdict disagreed with an image's descriptors (never cached).
    private(set) var mismatched: [Int] = []

    /// `judging`: judge each image once its repository is done (requires a plan made `retiringKeys`); `store`: where
    /// judged images wait past `HeldImages.judgedKeptInMemory`.
    init(
        plan: Plan, stream: BatchStream, inbox: AnswerInbox = AnswerInbox(),
        verdicts: Verdicts = Verdicts(collectingConfirmed: false), judging: JudgingOptions? = nil,
        store: (any BlobRowSpill)? = nil
    ) {
        self.held = HeldImages(store: store)
        self.plan = plan
        self.stream = stream
        self.inbox = inbox
        self.verdicts = verdicts
        self.judging = judging
    }

    /// Keys planned and not yet let go.
    var liveKeyCount: Int { plan.liveKeyCount }

    /// Findings an output's reader made for no single image, before its images are put: the digests they name stay
    /// with the images judged early, so attribution can still show such a finding under each image holding it.
    public func note(_ findings: [Finding]) {
        for finding in findings { if let digest = finding.digest { judging?.named.insert(digest) } }
    }

    /// Plans one image and keeps it; folds the answers that arrived meanwhile.
    public func callAsFunction(_ image: Image) {
        if let repository = image.repository { touched.insert(repository) }
        var keys: [Int32] = []
        send(plan.add(image, keys: &keys))
        held.keep(image, keys: keys)
        if let judging {
            if let repository = image.repository {
                waiting[repository, default: []].append(held.count - 1)
            } else {
                // Nothing of it is asked: it can be judged at once.
                _ = held.judge(held.count - 1, plan: plan, verdicts: verdicts, options: judging)
            }
        }
        foldAnswers()
    }

    /// Hands `batches` to the registry.
    func send(_ batches: [LayerBatch]) {
        sentBatches += batches.count
        if judging != nil {
            for batch in batches { outstanding[batch.repository, default: 0] += batch.digests.count }
        }
        stream.push(batches)
    }

    /// Folds whatever answers arrived since the last call into the verdicts, and judges the repositories now done.
    func foldAnswers() {
        let answers = inbox.take()
        guard !answers.isEmpty else { return }
        for answer in answers {
            verdicts.fold(answer, plan: plan)
            guard judging != nil else { continue }
            let left = (outstanding[answer.batch.repository] ?? 0) - answer.batch.digests.count
            outstanding[answer.batch.repository] = left > 0 ? left : nil
        }
        judgeDone()
    }

    /// Reading ended and the last partial batches were sent: no repository can gain a key any more.
    func endReading() {
        readingEnded = true
        judgeDone()
    }

    /// Judges the images of every repository that is done: nothing unread can add to it, its batches all left and
    /// were all answered. Its keys are let go then. Without forecasts nothing is done before reading ends.
    private func judgeDone() {
        guard let judging, !waiting.isEmpty, readingEnded || countdown.hasForecasts else { return }
        let done = waiting.keys.filter { repository in
            outstanding[repository] == nil && !plan.hasPartialBatch(repository)
                && (readingEnded || countdown.isSettled(repository))
        }
        guard !done.isEmpty else { return }
        verdicts.markCached(plan: plan)
        for repository in done {
            let keys = plan.keys(of: repository)
            // Every key was sent and answered or vouched for; one that was not is never passed in silence.
            verdicts.settle(keys)
            for position in waiting.removeValue(forKey: repository) ?? [] {
                mismatched += held.judge(position, plan: plan, verdicts: verdicts, options: judging)
            }
            verdicts.retire(keys, emptiedChunks: plan.retire(repository))
        }
    }

    /// What the outputs to be read next can map to, one forecast each, in the order they will be read (before the
    /// first of them is); `more`: further outputs will be forecast later, so until then no repository is settled.
    /// Outputs read before any forecast add nothing later. The forecast that ends the run's forecasts lets go every
    /// partial batch nothing unread can add to (those of outputs read before it, of outputs forecast earlier).
    public func expect(_ forecasts: [RepositoryForecast], more: Bool = false) {
        countdown.expect(forecasts, more: more)
        guard !more else { return }
        releaseSettled(plan.partialRepositories)
    }

    /// Whether the outputs not yet read can be forecast now without holding calls back: enough batches left to keep
    /// the calls busy meanwhile (`batchesBeforeForecasts`).
    public var readyForForecasts: Bool { sentBatches >= Self.batchesBeforeForecasts }

    /// Two rounds of calls at the default concurrency (16).
    static let batchesBeforeForecasts = 32

    /// The next expected output was read and all its images put: the partial batches no unread output can add to leave.
    public func outputRead() {
        defer { touched = [] }
        guard let step = countdown.outputRead() else { return }
        let candidates = step.unknownCleared ? plan.partialRepositories : step.reachedZero + touched
        releaseSettled(candidates)
    }

    /// Sends the partial batches of those of `candidates` no unread output can add to.
    private func releaseSettled(_ candidates: [RepositoryRef]) {
        send(plan.release(candidates.filter { countdown.isSettled($0) }))
        judgeDone()
    }
}
