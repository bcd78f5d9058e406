import ImageModel

/// One image's blobs judged against the run's verdicts: its result row for the reports and the findings it gets
/// (size and media-type mismatches, unavailable or invalid blobs, one finding per kind of failed call).
struct ImageEvaluation {
    private let image: Image
    private var findings: [Finding]
    private var blobs: BlobResults
    /// Per kind of failed call: its message, how many blobs it left unverified, and the first of them.
    private var failureMessages: [BatchFailure.Kind: (message: String, count: Int, blob: BlobRef)] = [:]
    /// Plan keys the service has but whose size or media type disagrees with this image's descriptor: never cached.
    private(set) var mismatchedKeys: [Int] = []

    /// `digests`: the plan's, which the result's blobs name their digests in.
    init(_ image: Image, findings: [Finding], digests: DigestTable) {
        self.image = image
        self.findings = findings
        blobs = BlobResults(sharing: digests)
        blobs.reserveCapacity(image.blobs.count)
    }

    /// Every blob of the image, in order: skipped (non-distributable, or a config blob not checked), unverified (no
    /// repository, no verdict), or as the service said.
    /// `keys`: the plan's key of each blob when the caller kept them (-1 where it did not), else each is looked up.
    mutating func addBlobs(plan: Plan, verdicts: Verdicts, checkConfigBlob: Bool, keys: [Int32]? = nil) {
        let numberOf = image.repository.map { plan.numbers(in: $0) }
        if !checkConfigBlob { sayNothingIsChecked() }
        for (index, blob) in image.blobs.enumerated() {
            if blob.role == .config && !checkConfigBlob { continue }
            if MediaType.isNonDistributable(blob.mediaType) {
                blobs.append(result(blob, .skipped))
                continue
            }
            guard let repository = image.repository else {
                blobs.append(result(blob, .unverified))
                continue
            }
            let kept = keys.map { index < $0.count ? Int($0[index]) : -1 } ?? -1
            let number = kept >= 0 ? kept : numberOf?(blob.digest)
            add(blob, number: number, verdict: number.flatMap { verdicts.verdict($0) }, repository: repository)
        }
    }

    /// An image whose layers are stored uncompressed keeps only its config blob to ask about: its `layer-uncompressed`
    /// finding (written by the reader, which does not know the setting) says so, and with `check-config-blob: false`
    /// that is not asked either.
    private mutating func sayNothingIsChecked() {
        guard !image.blobs.contains(where: { $0.role == .layer }) else { return }
        for index in findings.indices where findings[index].rule == .layerUncompressed {
            findings[index].message +=
                "; with check-config-blob: false not even that is asked, so nothing of this image is checked"
        }
    }

    /// `number`: the blob's key in the plan, whose digest the result names.
    private mutating func add(_ blob: BlobRef, number: Int?, verdict: Verdict?, repository: RepositoryRef) {
        let what = blob.role == .config ? "config blob" : "layer"
        switch verdict {
        case .available(let size, let mediaType, let cached)?:
            append(result(blob, .available, cached: cached), number)
            if let size, size != blob.size {
                if let number { mismatchedKeys.append(number) }
                let text =
                    "\(what) \(blob.digest) is \(blob.size) bytes in the descriptor but \(size) bytes in \(repository)"
                findings.append(finding(.sizeMismatch, text, blob))
            }
            if let mediaType, !mediaType.isEmpty, !blob.mediaType.isEmpty, mediaType != blob.mediaType,
                blob.role == .layer
            {
                if let number { mismatchedKeys.append(number) }
                let text =
                    "\(what) \(blob.digest) is \(blob.mediaType) in the descriptor but \(mediaType) in \(repository)"
                findings.append(finding(.mediaTypeMismatch, text, blob))
            }
        case .unavailable(let reason)?:
            append(result(blob, .unavailable), number)
            let text = "\(what) \(blob.digest) is not available in \(repository)\(reason.isEmpty ? "" : ": \(reason)")"
            findings.append(finding(.layerUnavailable, text, blob))
        case .invalid(let reason)?:
            append(result(blob, .invalid), number)
            let detail = reason.isEmpty ? "" : ": \(reason)"
            findings.append(
                finding(.layerInvalid, "\(what) \(blob.digest) was rejected by the service as invalid\(detail)", blob))
        case .failed(let failure)?:
            append(result(blob, .unverified), number)
            var entry = failureMessages[failure.kind] ?? (failure.message, 0, blob)
            entry.count += 1
            failureMessages[failure.kind] = entry
        case nil:
            append(result(blob, .unverified), number)
        }
    }

    private mutating func append(_ result: BlobResult, _ number: Int?) {
        if let number { blobs.append(result, digestNumber: number) } else { blobs.append(result) }
    }

    private func result(_ blob: BlobRef, _ status: BlobStatus, cached: Bool = false) -> BlobResult {
        BlobResult(
            digest: blob.digest, size: blob.size, mediaType: blob.mediaType, role: blob.role, status: status,
            cached: cached)
    }

    private func finding(_ rule: Rule, _ message: String, _ blob: BlobRef) -> Finding {
        Finding(
            rule: rule, message: message + (blob.member.map { " (\($0))" } ?? ""), path: blob.path, line: blob.line,
            commit: image.commit, image: image.name, platform: image.platform?.description,
            digest: blob.digest.string, repository: image.repository?.description)
    }

    /// The result row and every finding of the image, failed calls summed up per kind at its manifest.
    mutating func finish() -> (ImageResult, [Finding]) {
        let platform = image.platform?.description
        let repositoryText = image.repository?.description
        for kind in [BatchFailure.Kind.repositoryNotFound, .configuration, .credentials, .unverifiable] {
            guard let entry = failureMessages[kind], let repository = image.repository else { continue }
            // The manifest checks may have found the repository missing already: one finding says it.
            if kind == .repositoryNotFound, findings.contains(where: { $0.rule == .repositoryNotFound }) { continue }
            let rule: Rule = kind == .repositoryNotFound ? .repositoryNotFound : .verificationError
            let message =
                kind == .repositoryNotFound
                ? ManifestChecks.notFound(repository, entry.message)
                : "could not verify \(entry.count) blob(s) in \(repository): \(entry.message)"
            if rule == .verificationError, entry.count == 1 {
                // One blob: the finding names it, at the line of its digest.
                findings.append(finding(rule, message, entry.blob))
                continue
            }
            findings.append(
                Finding(
                    rule: rule, message: message, path: image.manifestPath, line: 1, commit: image.commit,
                    image: image.name, platform: platform, repository: repositoryText))
        }
        var result = ImageResult(
            name: image.name, path: image.outputPath, manifestPath: image.manifestPath,
            manifestDigest: image.manifestDigest, platform: platform, repository: repositoryText, commit: image.commit,
            blobs: blobs, errors: findings.filter { $0.severity == .error }.count,
            warnings: findings.filter { $0.severity == .warning }.count,
            notices: findings.filter { $0.severity == .notice }.count, refName: image.refName,
            indexDigests: image.indexDigests)
        result.outputKind = image.outputKind
        return (result, findings)
    }
}
