import ImageModel

/// Dedupes every blob of every image by (repository, digest) and cuts the rest into batches of at most 100. Images can
/// be added as they are read: a repository's batch is released as soon as it holds 100 new digests, and the partial
/// remainders at `finish()`, so the number of calls is still ceil(distinct digests / 100) per repository.
final class Plan {
    /// Every batch released, kept only when asked for (`keepingBatches`): a streaming run hands each batch to the
    /// registry and lets it go.
    private(set) var batches: [LayerBatch] = []
    /// Calls planned (batches released).
    private(set) var requestCount = 0
    private let keepsBatches: Bool
    /// Numbers of the keys the positive cache already vouches for.
    private(set) var cachedKeys: [Int] = []
    private(set) var locallyInvalidCount = 0
    /// Every distinct (repository, digest), numbered in the order first seen: verdicts live in an array by this number.
    private var numbers = PlanKeys()
    /// Repositories by number: keys hold the number, so a lookup hashes a digest and an integer, not two strings.
    private var repositoryNumbers: [RepositoryRef: Int32] = [:]
    var keyCount: Int { numbers.count }

    /// The digest of key `number`.
    func digest(ofKey number: Int) -> Digest { numbers.digests[number] }
    /// Every key's digest, by key number (shared, not copied: reports name digests by their place in it).
    var digests: DigestTable { numbers.digests }

    /// A lookup for many digests of one repository (one image, one batch).
    func numbers(in repository: RepositoryRef) -> (Digest) -> Int? {
        guard let repositoryNumber = repositoryNumbers[repository] else { return { _ in nil } }
        let numbers = self.numbers
        return { numbers.number(of: PlanKey(digest: $0, repository: repositoryNumber)) }
    }
    var skippedCount: Int { skipped.count }

    private let checkConfigBlob: Bool
    private let cache: PositiveCache?
    /// The keys of each repository by its number, kept only when keys are let go once judged (`retire(_:)`).
    private var keysOf: [Int32: [Int32]]?
    /// Each repository's partial batch (its digests and their key numbers), empty once released.
    private var pending: [RepositoryRef: LayerBatch] = [:]
    private var order: [RepositoryRef] = []
    private var skipped = Set<Digest>()

    /// `retiringKeys`: a repository's keys can be let go once its images are judged (`retire(_:)`); the digests a
    /// report's blob rows name by number are then gone, so only a run that keeps no rows retires keys.
    init(checkConfigBlob: Bool, cache: PositiveCache?, keepingBatches: Bool = false, retiringKeys: Bool = false) {
        self.checkConfigBlob = checkConfigBlob
        self.cache = cache
        self.keepsBatches = keepingBatches
        self.keysOf = retiringKeys ? [:] : nil
    }

    /// Keys numbered and not yet retired.
    var liveKeyCount: Int { numbers.live }

    /// Whether `repository` holds a partial batch not yet released.
    func hasPartialBatch(_ repository: RepositoryRef) -> Bool { pending[repository]?.digests.isEmpty == false }

    /// Lets every key of `repository` go (its images are judged and nothing unread can add to it); returns the chunks
    /// of key numbers no key is left in. A digest of it seen again later gets a new key.
    func retire(_ repository: RepositoryRef) -> [Int] {
        guard let repositoryNumber = repositoryNumbers[repository],
            let keys = keysOf?.removeValue(forKey: repositoryNumber)
        else { return [] }
        return numbers.remove(keys)
    }

    /// The keys of `repository` not yet retired (only kept by a plan made `retiringKeys`).
    func keys(of repository: RepositoryRef) -> [Int32] {
        repositoryNumbers[repository].flatMap { keysOf?[$0] } ?? []
    }

    /// Everything at once; the batches are kept for the caller to send.
    convenience init(images: [Image], checkConfigBlob: Bool, cache: PositiveCache?) {
        self.init(checkConfigBlob: checkConfigBlob, cache: cache, keepingBatches: true)
        for image in images { _ = add(image) }
        _ = finish()
    }

    /// Plans one image; returns the batches that became full.
    func add(_ image: Image) -> [LayerBatch] {
        var keys: [Int32] = []
        return add(image, keys: &keys)
    }

    /// Plans one image and says which key each of its blobs got (`keys[i]` for `image.blobs[i]`, -1 for a blob not
    /// planned); returns the batches that became full.
    func add(_ image: Image, keys: inout [Int32]) -> [LayerBatch] {
        keys = [Int32](repeating: -1, count: image.blobs.count)
        locallyInvalidCount += image.findings.filter { $0.rule == .layerInvalid }.count
        guard let repository = image.repository else { return [] }
        var released: [LayerBatch] = []
        let repositoryNumber: Int32
        if let known = repositoryNumbers[repository] {
            repositoryNumber = known
        } else {
            repositoryNumber = Int32(repositoryNumbers.count)
            repositoryNumbers[repository] = repositoryNumber
        }
        // The repository's partial batch is taken out for the image and put back after: looked up once, not three
        // times a blob (each hashing the repository's two strings).
        let taken = pending.removeValue(forKey: repository)
        let seen = taken != nil
        var batch = (consume taken) ?? LayerBatch(repository: repository, digests: [])
        let retiring = keysOf != nil
        var fresh: [Int32] = []
        defer { if retiring, !fresh.isEmpty { keysOf?[repositoryNumber, default: []] += fresh } }
        for (index, blob) in image.blobs.enumerated() {
            if blob.role == .config && !checkConfigBlob { continue }
            if MediaType.isNonDistributable(blob.mediaType) {
                skipped.insert(blob.digest)
                continue
            }
            let (number, inserted) = numbers.insert(PlanKey(digest: blob.digest, repository: repositoryNumber))
            keys[index] = Int32(number)
            guard inserted else { continue }
            if retiring { fresh.append(Int32(number)) }
            if let cache, cache.isKnownAvailable(blob.digest, in: repository) {
                cachedKeys.append(number)
                continue
            }
            batch.append(blob.digest, key: Int32(number))
            if batch.digests.count == LayerBatch.maxDigests {
                released.append(batch)
                batch = LayerBatch(repository: repository, digests: [])
            }
        }
        if seen || !batch.digests.isEmpty || !released.isEmpty {
            if !seen { order.append(repository) }
            pending[repository] = batch
        }
        note(released)
        return released
    }

    private func note(_ released: [LayerBatch]) {
        requestCount += released.count
        if keepsBatches { batches += released }
    }

    /// Lets the batches go once the verdicts are made (they hold every distinct digest again); `requestCount` stays.
    func forgetBatches() {
        batches = []
    }

    /// Repositories holding a partial batch, in the order first seen.
    var partialRepositories: [RepositoryRef] { order.filter { pending[$0]?.digests.isEmpty == false } }

    /// The partial batches of `repositories` (those no output still to be read can add to), in the order the
    /// repositories were first seen; a digest added to one of them later starts a new batch.
    func release(_ repositories: some Sequence<RepositoryRef>) -> [LayerBatch] {
        let due = Set(repositories.filter { pending[$0]?.digests.isEmpty == false })
        let released = due.sorted { (repositoryNumbers[$0] ?? 0) < (repositoryNumbers[$1] ?? 0) }.map { repository in
            pending[repository] ?? LayerBatch(repository: repository, digests: [])
        }
        for batch in released { pending[batch.repository] = LayerBatch(repository: batch.repository, digests: []) }
        note(released)
        return released
    }

    /// The partial batches left once every image was added.
    func finish() -> [LayerBatch] {
        var released: [LayerBatch] = []
        for repository in order {
            guard let batch = pending[repository], !batch.digests.isEmpty else { continue }
            released.append(batch)
            pending[repository] = LayerBatch(repository: repository, digests: [])
        }
        note(released)
        return released
    }
}
