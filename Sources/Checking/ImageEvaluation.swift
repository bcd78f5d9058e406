import ImageModel

/// One image's blobs judged against the run's verdicts (`judged()`): the findings they get (size and media-type
/// mismatches, unavailable or invalid blobs, failed calls per kind) and their rows or counts for the reports. Judging
/// needs the verdicts on the image's keys, nothing else, so a streaming run judges an image as soon as its repository is
/// done and lets its keys go; the image's result is finished with its manifest's findings at the end (`JudgedImage`).
struct ImageEvaluation {
    private var image: Image
    private var findings: [Finding] = []
    private var blobs: BlobResults
    private var tally = BlobTally()
    private let keepsRows: Bool
    /// Where the rows go when none is kept but a report still shows them.
    private let spill: (any BlobRowSpill)?
    /// Whether the config blob gets no row (`check-config-blob: false`).
    private var skipsConfig = false
    /// Per kind of failed call: its message, how many blobs it left unverified, and the first of them.
    private var failureMessages: [BatchFailure.Kind: (message: String, count: Int, blob: BlobRef)] = [:]
    /// Plan keys the service has but whose size or media type disagrees with this image's descriptor: never cached.
    private(set) var mismatchedKeys: [Int] = []

    /// `digests`: the plan's, which the result's blobs name their digests in; `keepsRows`: false when no report shows
    /// them, so only their counts are kept (and the rows, with a `spill`, written there when the image is judged).
    init(_ image: Image, digests: DigestTable, keepsRows: Bool = true, spill: (any BlobRowSpill)? = nil) {
        self.image = image
        self.keepsRows = keepsRows
        self.spill = keepsRows ? nil : spill
        // Without rows the plan's digests are not shared: a copy held while the plan still numbers keys would make its
        // next key copy the chunk being filled. Rows built for the spill share them only until `judged()` writes them.
        blobs = BlobResults()
        if buildsRows {
            blobs = BlobResults(sharing: digests)
            blobs.reserveCapacity(image.blobs.count)
        }
    }

    /// Rows are built when they are kept or written away.
    private var buildsRows: Bool { keepsRows || spill != nil }

    /// Every blob of the image, in order: skipped (non-distributable, or a config blob not checked), unverified (no
    /// repository, no verdict), or as the service said.
    /// `keys`: the plan's key of each blob when the caller kept them (-1 where it did not), else each is looked up.
    mutating func addBlobs(plan: Plan, verdicts: Verdicts, checkConfigBlob: Bool, keys: [Int32]? = nil) {
        let numberOf = image.repository.map { plan.numbers(in: $0) }
        skipsConfig = !checkConfigBlob
        if !checkConfigBlob { sayNothingIsChecked() }
        for (index, blob) in image.blobs.enumerated() {
            if blob.role == .config && !checkConfigBlob { continue }
            if MediaType.isNonDistributable(blob.mediaType) {
                append(result(blob, .skipped), nil)
                continue
            }
            guard let repository = image.repository else {
                append(result(blob, .unverified), nil)
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
        for index in image.findings.indices where image.findings[index].rule == .layerUncompressed {
            image.findings[index].message +=
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
        tally.add(result.status, cached: result.cached)
        guard buildsRows else { return }
        if let number { blobs.append(result, digestNumber: number) } else { blobs.append(result) }
    }

    private func result(_ blob: BlobRef, _ status: BlobStatus, cached: Bool = false) -> BlobResult {
        BlobResult(
            digest: blob.digest, size: blob.size, mediaType: blob.mediaType, role: blob.role, status: status,
            cached: cached)
    }

    private func finding(_ rule: Rule, _ message: String, _ blob: BlobRef) -> Finding {
        Self.finding(rule, message, blob, of: image)
    }

    static func finding(_ rule: Rule, _ message: String, _ blob: BlobRef, of image: Image) -> Finding {
        Finding(
            rule: rule, message: message + (blob.member.map { " (\($0))" } ?? ""), path: blob.path, line: blob.line,
            commit: image.commit, image: image.name, platform: image.platform?.description,
            digest: blob.digest.string, repository: image.repository?.description)
    }

    /// The image judged: what finishing its result needs (`JudgedImage.finish`), without its blobs but the config.
    /// `named`: digests that findings made for no single image name; a result kept without rows still names those of
    /// its blobs, so such a finding is shown under it (`Attribution`).
    func judged(named: Set<String> = []) -> JudgedImage {
        var kept = image
        kept.blobs = image.blobs.filter { $0.role == .config }
        let spilled = spill?.spill(blobs)
        // Not written: the rows stay, in a copy of their own (not sharing the plan's digests).
        let rowsKept = keepsRows || (spill != nil && spilled == nil)
        let rows = keepsRows ? blobs : rowsKept ? BlobResults(Array(blobs)) : BlobResults()
        let namedDigests =
            rowsKept || named.isEmpty
            ? []
            : Set(image.blobs.filter { !(skipsConfig && $0.role == .config) }.map(\.digest.string)).intersection(named)
        let kinds: [BatchFailure.Kind] = [.repositoryNotFound, .configuration, .credentials, .unverifiable]
        return JudgedImage(
            image: kept, blobs: rows, tally: tally, keepsRows: rowsKept, spilled: spilled,
            namedDigests: namedDigests.sorted(),
            blobFindings: findings,
            failures: kinds.compactMap { kind in failureMessages[kind].map { (kind, $0.message, $0.count, $0.blob) } },
            mismatchedKeys: mismatchedKeys)
    }

    /// Judges `image`, whose blobs the plan numbered `keys` (nil: each is looked up), against `verdicts`.
    static func judge(
        _ image: Image, keys: [Int32]?, plan: Plan, verdicts: Verdicts, options: JudgingOptions
    ) -> JudgedImage {
        var evaluation = ImageEvaluation(
            image, digests: plan.digests, keepsRows: options.keepsRows, spill: options.spill)
        evaluation.addBlobs(plan: plan, verdicts: verdicts, checkConfigBlob: options.checkConfigBlob, keys: keys)
        return evaluation.judged(named: options.named)
    }
}

/// How images are judged in a run: whether the config blob is asked about, whether blob rows are kept (some report
/// shows them), and, without rows, the digests findings made for no single image name (kept for attribution).
struct JudgingOptions {
    var checkConfigBlob: Bool
    var keepsRows: Bool
    var named: Set<String> = []
    /// Without rows: where the rows go for a report that shows them after all (`VerifyOptions.rowSpill`).
    var spill: (any BlobRowSpill)?
}

/// An image whose blobs were judged (`ImageEvaluation.judged()`): the image without its layers (its reading findings,
/// its config blob for the manifest checks), its blob rows or only their counts, and the findings the verdicts gave it.
struct JudgedImage {
    var image: Image
    var blobs: BlobResults
    var tally: BlobTally
    var keepsRows: Bool
    /// Without rows, where they were written for the report that shows them.
    var spilled: SpilledRows?
    /// Without rows: the digests of the image's blobs that findings made for no single image name.
    var namedDigests: [String]
    var blobFindings: [Finding]
    /// Per kind of failed call, in the order findings are made: its message, how many blobs, the first of them.
    var failures: [(kind: BatchFailure.Kind, message: String, count: Int, blob: BlobRef)]
    var mismatchedKeys: [Int]

    /// The result row and every finding of the image (reading, manifest, blob findings, failed calls summed up per kind
    /// at its manifest).
    func finish(manifestFindings: [Finding]) -> (ImageResult, [Finding]) {
        var findings = image.findings + manifestFindings + blobFindings
        let platform = image.platform?.description
        let repositoryText = image.repository?.description
        for (kind, message, count, blob) in failures {
            guard let repository = image.repository else { continue }
            // The manifest checks may have found the repository missing already: one finding says it.
            if kind == .repositoryNotFound, findings.contains(where: { $0.rule == .repositoryNotFound }) { continue }
            let rule: Rule = kind == .repositoryNotFound ? .repositoryNotFound : .verificationError
            let text =
                kind == .repositoryNotFound
                ? ManifestChecks.notFound(repository, message)
                : "could not verify \(count) blob(s) in \(repository): \(message)"
            if rule == .verificationError, count == 1 {
                // One blob: the finding names it, at the line of its digest.
                findings.append(finding(rule, text, blob))
                continue
            }
            findings.append(
                Finding(
                    rule: rule, message: text, path: image.manifestPath, line: 1, commit: image.commit,
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
        if !keepsRows {
            result.dropBlobRows(tally: tally, keeping: namedDigests)
            result.spilledRows = spilled
        }
        return (result, findings)
    }

    private func finding(_ rule: Rule, _ message: String, _ blob: BlobRef) -> Finding {
        ImageEvaluation.finding(rule, message, blob, of: image)
    }
}
