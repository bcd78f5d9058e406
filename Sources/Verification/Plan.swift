import ImageModel

/// Dedupes every blob of every image by (repository, digest) and cuts the rest into batches of at most 100.
struct Plan {
    private(set) var batches: [LayerBatch] = []
    private(set) var cachedKeys: [PlanKey] = []
    private(set) var allKeys: [PlanKey] = []
    private(set) var skippedCount = 0
    private(set) var locallyInvalidCount = 0

    init(images: [Image], checkConfigBlob: Bool, cache: PositiveCache?) {
        var seen = Set<PlanKey>()
        var pending: [RepositoryRef: [Digest]] = [:]
        var order: [RepositoryRef] = []
        var skipped = Set<Digest>()
        for image in images {
            locallyInvalidCount += image.findings.filter { $0.rule == .layerInvalid }.count
            guard let repository = image.repository else { continue }
            for blob in image.blobs {
                if blob.role == .config && !checkConfigBlob { continue }
                if MediaType.isNonDistributable(blob.mediaType) {
                    skipped.insert(blob.digest)
                    continue
                }
                let key = PlanKey(repository: repository, digest: blob.digest)
                guard seen.insert(key).inserted else { continue }
                allKeys.append(key)
                if let cache, cache.isKnownAvailable(blob.digest, in: repository) {
                    cachedKeys.append(key)
                    continue
                }
                if pending[repository] == nil { order.append(repository) }
                pending[repository, default: []].append(blob.digest)
            }
        }
        skippedCount = skipped.count
        for repository in order {
            let digests = pending[repository] ?? []
            var start = 0
            while start < digests.count {
                let end = min(start + LayerBatch.maxDigests, digests.count)
                batches.append(LayerBatch(repository: repository, digests: Array(digests[start..<end])))
                start = end
            }
        }
    }
}
