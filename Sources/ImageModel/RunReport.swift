/// What the service said about one blob, as shown per image in reports.
public enum BlobStatus: String, Codable, Sendable {
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

    public init(digest: Digest, size: Int64, mediaType: String, role: BlobRole, status: BlobStatus, cached: Bool = false) {
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
    public var path: String
    public var manifestPath: String
    public var manifestDigest: String?
    public var platform: String?
    public var repository: String?
    public var commit: String
    public var blobs: [BlobResult]
    /// Counts of findings for this image by severity.
    public var errors: Int
    public var warnings: Int
    public var notices: Int

    public init(name: String?, path: String, manifestPath: String, manifestDigest: String?, platform: String?, repository: String?,
                commit: String, blobs: [BlobResult], errors: Int, warnings: Int, notices: Int, refName: String? = nil) {
        self.name = name
        self.refName = refName
        self.path = path
        self.manifestPath = manifestPath
        self.manifestDigest = manifestDigest
        self.platform = platform
        self.repository = repository
        self.commit = commit
        self.blobs = blobs
        self.errors = errors
        self.warnings = warnings
        self.notices = notices
    }

    /// The label reports group findings under: output path, reference or tag, platform.
    public var label: String {
        ImageLabel.make(path: path, name: name, refName: refName, platform: platform)
    }
}

/// Totals for the closing summary line and CI outputs.
public struct Summary: Codable, Sendable, Equatable {
    public var images: Int = 0
    /// Distinct (repository, digest) pairs checked.
    public var layers: Int = 0
    public var available: Int = 0
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
    public var findings: [Finding]
    public var images: [ImageResult]
    public var summary: Summary

    public init(findings: [Finding], images: [ImageResult], summary: Summary) {
        self.findings = findings
        self.images = images
        self.summary = summary
    }
}
