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
    /// Every image put so far, in order, its blobs packed.
    var held = HeldImages()
    /// The verdicts on every answer folded so far.
    var verdicts: Verdicts

    init(
        plan: Plan, stream: BatchStream, inbox: AnswerInbox = AnswerInbox(),
        verdicts: Verdicts = Verdicts(collectingConfirmed: false)
    ) {
        self.plan = plan
        self.stream = stream
        self.inbox = inbox
        self.verdicts = verdicts
    }

    /// Plans one image and keeps it; folds the answers that arrived meanwhile.
    public func callAsFunction(_ image: Image) {
        if let repository = image.repository { touched.insert(repository) }
        var keys: [Int32] = []
        stream.push(plan.add(image, keys: &keys))
        held.keep(image, keys: keys)
        foldAnswers()
    }

    /// Folds whatever answers arrived since the last call into the verdicts.
    func foldAnswers() {
        for answer in inbox.take() { verdicts.fold(answer, plan: plan) }
    }

    /// What the outputs to be read next can map to, one forecast each, in the order they will be read (before the
    /// first of them is); `more`: further outputs will be forecast later, so until then no repository is settled.
    /// The forecast that ends such a run lets go every partial batch nothing unread can add to.
    public func expect(_ forecasts: [RepositoryForecast], more: Bool = false) {
        let wasAwaiting = countdown.awaitingMore
        countdown.expect(forecasts, more: more)
        guard wasAwaiting, !more else { return }
        releaseSettled(plan.partialRepositories)
    }

    /// The next expected output was read and all its images put: the partial batches no unread output can add to leave.
    public func outputRead() {
        defer { touched = [] }
        guard let step = countdown.outputRead() else { return }
        let candidates = step.unknownCleared ? plan.partialRepositories : step.reachedZero + touched
        releaseSettled(candidates)
    }

    /// Sends the partial batches of those of `candidates` no unread output can add to.
    private func releaseSettled(_ candidates: [RepositoryRef]) {
        stream.push(plan.release(candidates.filter { countdown.isSettled($0) }))
    }
}
