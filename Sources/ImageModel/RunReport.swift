/// What the service said about one blob, as shown per image in reports.
public enum BlobStatus: String, Codable, Sendable, CaseIterable {
    case available, unavailable, invalid, unverified, skipped
}

/// One blob of one image with its verdict.
public struct BlobResult: Codable, Sendable, Hashable {
    /// Kept as a `Digest` (encoded as its text): a large run holds tens of thousands of these until the report is written.
    public var digest: Digest
    public var size: Int64
    public var mediaType: String
    public var role: BlobRole
    public var status: BlobStatus
    /// True when the verdict came from the local positive cache rather than a call.
    public var cached: Bool

    public init(
        digest: Digest, size: Int64, mediaType: String, role: BlobRole, status: BlobStatus, cached: Bool = false
    ) {
        self.digest = digest
        self.size = size
        self.mediaType = mediaType
        self.role = role
        self.status = status
        self.cached = cached
    }
}

/// One checked image as reports show it.
public struct ImageResult: Codable, Sendable {
    public var name: String?
    /// The tag or reference the output gives the image (ref name annotation, `RepoTags`).
    public var refName: String?
    /// Digests of the indexes above the manifest: part of the image's graph, so their findings are the image's too.
    public var indexDigests: [String] = []
    /// What the output is on disk (`Image.outputKind`); not in the JSON envelope, only hints use it.
    public var outputKind: String?
    public var path: String
    public var manifestPath: String
    public var manifestDigest: String?
    public var platform: String?
    public var repository: String?
    public var commit: String
    /// Every blob of the image with its verdict, packed (`BlobResults`); empty once `dropBlobRows(keeping:)` let them go.
    public var blobs: BlobResults {
        didSet {
            tally = BlobTally(blobs)
            rowlessDigests = nil
            spilledRows = nil
        }
    }
    /// Where the rows went when they were let go but a report still shows them (`withBlobRows` reads them back).
    public var spilledRows: SpilledRows?
    /// The blobs counted by verdict: what every report but the JSON one shows of them; kept when the rows are dropped.
    public private(set) var tally: BlobTally
    /// Set once the rows are dropped: the digests of the image's blobs that attribution may still have to place a
    /// finding by (`GraphIndex`).
    public private(set) var rowlessDigests: [String]?
    /// Counts of findings for this image by severity.
    public var errors: Int
    public var warnings: Int
    public var notices: Int

    public init(
        name: String?, path: String, manifestPath: String, manifestDigest: String?, platform: String?,
        repository: String?,
        commit: String, blobs: some Sequence<BlobResult>, errors: Int, warnings: Int, notices: Int,
        refName: String? = nil, indexDigests: [String] = []
    ) {
        self.name = name
        self.refName = refName
        self.indexDigests = indexDigests
        self.path = path
        self.manifestPath = manifestPath
        self.manifestDigest = manifestDigest
        self.platform = platform
        self.repository = repository
        self.commit = commit
        self.blobs = BlobResults(blobs)
        self.tally = BlobTally(self.blobs)
        self.errors = errors
        self.warnings = warnings
        self.notices = notices
    }

    /// Lets the blob rows go (a run whose reports show none keeps 16 bytes a blob less for every image), keeping their
    /// `tally` and those of their digests attribution may still place a finding by.
    public mutating func dropBlobRows(tally counts: BlobTally, keeping digests: [String]) {
        blobs = []
        tally = counts
        rowlessDigests = digests
    }

    /// The image's blob rows, read back for the moment from where they were spilled; empty when they were dropped (or
    /// cannot be read back: the spill counts that).
    public func withBlobRows<T>(_ body: (BlobResults) throws -> T) rethrows -> T {
        guard let spilledRows else { return try body(blobs) }
        return try body(spilledRows.spill.readBack(spilledRows) ?? BlobResults())
    }

    /// The digests of the image's blobs attribution places findings by: every row's, or those kept with the tally.
    public var blobDigests: [String] { rowlessDigests ?? blobs.map(\.digest.string) }

    /// The label reports group findings under: output path, reference or tag, platform.
    public var label: String {
        ImageLabel.make(path: path, name: name, refName: refName, platform: platform)
    }

    private enum CodingKeys: String, CodingKey {
        case name, refName, label, path, manifestPath, manifestDigest, indexDigests, platform, repository, commit,
            blobs, errors, warnings, notices
    }

    /// The JSON report carries `label` too, so scripts name images exactly as the other formats do.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(refName, forKey: .refName)
        try container.encode(label, forKey: .label)
        try container.encode(path, forKey: .path)
        try container.encode(manifestPath, forKey: .manifestPath)
        try container.encodeIfPresent(manifestDigest, forKey: .manifestDigest)
        try container.encode(indexDigests, forKey: .indexDigests)
        try container.encodeIfPresent(platform, forKey: .platform)
        try container.encodeIfPresent(repository, forKey: .repository)
        try container.encode(commit, forKey: .commit)
        try container.encode(blobs, forKey: .blobs)
        try container.encode(errors, forKey: .errors)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(notices, forKey: .notices)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decodeIfPresent(String.self, forKey: .name),
            path: try container.decode(String.self, forKey: .path),
            manifestPath: try container.decode(String.self, forKey: .manifestPath),
            manifestDigest: try container.decodeIfPresent(String.self, forKey: .manifestDigest),
            platform: try container.decodeIfPresent(String.self, forKey: .platform),
            repository: try container.decodeIfPresent(String.self, forKey: .repository),
            commit: try container.decode(String.self, forKey: .commit),
            blobs: try container.decode(BlobResults.self, forKey: .blobs),
            errors: try container.decode(Int.self, forKey: .errors),
            warnings: try container.decode(Int.self, forKey: .warnings),
            notices: try container.decode(Int.self, forKey: .notices),
            refName: try container.decodeIfPresent(String.self, forKey: .refName),
            indexDigests: try container.decodeIfPresent([String].self, forKey: .indexDigests) ?? [])
    }
}

/// Totals for the closing summary line and CI outputs.
public struct Summary: Codable, Sendable, Equatable {
    public var images: Int = 0
    /// Distinct (repository, digest) pairs checked.
    public var layers: Int = 0
    public var available: Int = 0
    /// Of `available`, how many the positive cache vouched for instead of a call.
    public var cached: Int = 0
    public var unavailable: Int = 0
    public var invalid: Int = 0
    public var unverified: Int = 0
    public var skipped: Int = 0
    public var errors: Int = 0
    public var warnings: Int = 0
    public var notices: Int = 0
    /// Calls made to the service (batches, retries excluded).
    public var requests: Int = 0
    public var durationSeconds: Double = 0
    public var exitCode: Int32 = 0
    /// Which way was used to ask (`api` or `registry`); nil when nothing was asked.
    public var via: String?

    public init() {}
}

/// The whole result of a run, in the shape of the `json` report (SPEC §6); every reporter renders from it.
public struct RunReport: Codable, Sendable {
    public var version: Int = 1
    /// Replacing findings or images after the report is built places every finding again by its digest and path.
    public var findings: [Finding] {
        didSet { imageFindings = Attribution.compute(findings: findings, images: images) }
    }
    public var images: [ImageResult] {
        didSet { imageFindings = Attribution.compute(findings: findings, images: images) }
    }
    public var summary: Summary
    /// For each image, the indexes of the findings it shows (`Attribution`); every per-image format renders from this.
    public private(set) var imageFindings: [[Int]]
    /// Where findings from commits other than the one checked came from; not part of the JSON envelope.
    public var commits = CommitNotes()
    /// Set when one failure hit every call (text prints it once, with its fix); not part of the JSON envelope.
    public var runWide: RunWideFailure?

    private enum CodingKeys: String, CodingKey {
        case version, findings, images, summary
    }

    /// `owners[f]`: the images finding `f` was made for (empty when it was made for none); see `Attribution`.
    public init(findings: [Finding], images: [ImageResult], summary: Summary, owners: [[Int]] = []) {
        self.init(
            findings: findings, images: images, summary: summary,
            imageFindings: Attribution.compute(findings: findings, images: images, owners: owners))
    }

    /// With the attribution already computed (`Attribution.compute`): one entry per image.
    public init(findings: [Finding], images: [ImageResult], summary: Summary, imageFindings: [[Int]]) {
        self.findings = findings
        self.images = images
        self.summary = summary
        self.imageFindings = imageFindings
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        findings = try container.decode([Finding].self, forKey: .findings)
        images = try container.decode([ImageResult].self, forKey: .images)
        summary = try container.decode(Summary.self, forKey: .summary)
        imageFindings = Attribution.compute(findings: findings, images: images)
    }

    /// Findings that no image shows (a broken index entry, a skipped candidate): reports list them on their own.
    public var unattributed: [Int] {
        var shown = [Bool](repeating: false, count: findings.count)
        for positions in imageFindings { for position in positions { shown[position] = true } }
        return shown.indices.filter { !shown[$0] }
    }
}

/// What reports say about a finding from a commit other than the tip being checked (pre-push and `--range` check every
/// version an output had): which commit, its subject, and whether the output is still there at the tip.
public struct CommitNotes: Sendable {
    public struct Note: Sendable, Equatable {
        public var short: String
        public var subject: String

        public init(short: String, subject: String) {
            self.short = short
            self.subject = subject
        }
    }

    /// Commits that are not a tip being checked, by full id.
    public var notes: [String: Note] = [:]
    /// `commit + "\u{0}" + output path` for outputs that no longer exist at the tip.
    public var gone: Set<String> = []

    public init() {}

    /// `from commit 1a2b3c4 "Add app" (build/app no longer exists at the tip); reproduce with `verify-layers check 1a2b3c4``,
    /// or nil for a finding of the tip itself.
    public func describe(commit: String, path: String) -> String? {
        guard let note = notes[commit] else { return nil }
        var text = "from commit \(note.short) \"\(note.subject)\""
        if gone.contains(commit + "\u{0}" + path) { text += " (\(path) no longer exists at the tip)" }
        return text + "; reproduce with `verify-layers check \(note.short)`"
    }
}

extension Summary {
    /// Adds each finding to the error, warning or notice count (`check`'s and `list`'s summaries count alike).
    public mutating func count(_ findings: some Sequence<Finding>) {
        for finding in findings {
            switch finding.severity {
            case .error: errors += 1
            case .warning: warnings += 1
            case .notice: notices += 1
            }
        }
    }
}
