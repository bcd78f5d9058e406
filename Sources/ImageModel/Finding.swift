/// How bad a finding is; `error` fails the run, `warning` fails it only under `strict`.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    case error, warning, notice

    private var rank: Int {
        switch self {
        case .error: return 2
        case .warning: return 1
        case .notice: return 0
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// The rule ids of SPEC §5; users filter and suppress by these strings, so they never change.
public enum Rule: String, Codable, Sendable, CaseIterable {
    case layerUnavailable = "layer-unavailable"
    case layerInvalid = "layer-invalid"
    case sizeMismatch = "size-mismatch"
    case digestMismatch = "digest-mismatch"
    case manifestInvalid = "manifest-invalid"
    case repositoryNotFound = "repository-not-found"
    case lfsObjectMissing = "lfs-object-missing"
    case blobMissing = "blob-missing"
    case imageUnmapped = "image-unmapped"
    case layerUncompressed = "layer-uncompressed"
    case mediaTypeMismatch = "media-type-mismatch"
    case layerSkipped = "layer-skipped"
    case outputSkipped = "output-skipped"
    case verificationError = "verification-error"
    case manifestUnpublished = "manifest-unpublished"
    case tagMismatch = "tag-mismatch"

    /// The severity SPEC §5 assigns to the rule.
    public var defaultSeverity: Severity {
        switch self {
        case .blobMissing, .imageUnmapped, .layerUncompressed, .mediaTypeMismatch, .tagMismatch: return .warning
        case .layerSkipped, .outputSkipped: return .notice
        default: return .error
        }
    }

    /// A short title for annotations and rule tables.
    public var title: String {
        switch self {
        case .layerUnavailable: return "Layer unavailable in ECR Public"
        case .layerInvalid: return "Invalid layer digest"
        case .sizeMismatch: return "Size mismatch"
        case .digestMismatch: return "Digest mismatch"
        case .manifestInvalid: return "Invalid manifest"
        case .repositoryNotFound: return "Repository not found"
        case .lfsObjectMissing: return "Git LFS object missing"
        case .blobMissing: return "Blob missing from layout"
        case .imageUnmapped: return "Image not mapped to a repository"
        case .layerUncompressed: return "Uncompressed layers"
        case .mediaTypeMismatch: return "Media type mismatch"
        case .layerSkipped: return "Layer skipped"
        case .outputSkipped: return "Output skipped"
        case .verificationError: return "Could not verify"
        case .manifestUnpublished: return "Manifest not published"
        case .tagMismatch: return "Tag points elsewhere"
        }
    }

    /// What the rule means and how to fix it; used as SARIF help text and in docs.
    public var help: String {
        switch self {
        case .layerUnavailable:
            return
                "ECR Public reports that the layer or config blob is not in the repository. Push the image (or the missing blob) before pushing the commit that references it."
        case .layerInvalid:
            return
                "The digest is not a valid sha256/sha512 digest, or the service rejected it as InvalidLayerDigest. Rebuild the image output."
        case .sizeMismatch:
            return
                "The size in the descriptor differs from the blob's size (local blob, LFS pointer, or the size the registry reports). The output was edited or corrupted."
        case .digestMismatch:
            return
                "The content of a blob in the tree does not hash to the digest that names it. The output was edited or corrupted."
        case .manifestInvalid:
            return
                "A manifest or index could not be read: malformed JSON, wrong types, over the size or nesting limits, or a cycle."
        case .repositoryNotFound:
            return
                "The registry or repository does not exist in ECR Public. Check the image name annotation or the `images` mapping in .verify-layers.yml."
        case .lfsObjectMissing:
            return
                "The file is a Git LFS pointer and the object is not in the local LFS store. Run `git lfs fetch` (or check out with LFS) before verifying."
        case .blobMissing:
            return
                "A manifest referenced by the layout's index is not present in the layout. The OCI spec allows this; the image cannot be checked."
        case .imageUnmapped:
            return
                "No repository is known for this image. Add an io.containerd.image.name annotation, an `images` entry in .verify-layers.yml, or pass --repository."
        case .layerUncompressed:
            return
                "The layer digests equal the config's rootfs.diff_ids: the layers are stored uncompressed (classic docker save, nix) and cannot match what a registry stores."
        case .mediaTypeMismatch:
            return "The registry stores the blob under a different media type than the descriptor declares."
        case .layerSkipped:
            return "Non-distributable or foreign layers are never pushed to a registry and are not checked."
        case .outputSkipped:
            return
                "Something looked like an image output but was not read (a manifest.json without skopeo's `version` file, an index entry whose media type is not a manifest type while its blob is one, a docker manifest.json where a layout was expected); the message says why. Name it in `images:` of .verify-layers.yml, fix the output, or ignore the notice."
        case .verificationError:
            return
                "The service could not confirm these layers (unreachable, throttled, timed out, malformed answer, or credentials rejected). Nothing unconfirmed counts as available."
        case .manifestUnpublished:
            return
                "The committed image manifest (or index) is not in the repository by its digest, although its layers may be: `docker pull` by the committed digest fails. Push the image itself, not only its layers."
        case .tagMismatch:
            return
                "The repository's tag points at a different manifest than the committed one (tags move: a warning unless strict). Push the committed image under the tag, or update the committed output."
        }
    }
}

/// One problem or notice; value type shared by every stage and serialised as-is in JSON reports.
public struct Finding: Codable, Sendable, Hashable {
    public var rule: Rule
    public var severity: Severity
    public var message: String
    /// Repo-relative path of the file the finding points at.
    public var path: String
    /// 1-based line of the digest inside `path`, 1 when unknown.
    public var line: Int
    public var commit: String
    public var image: String?
    public var platform: String?
    public var digest: String?
    public var repository: String?

    public init(
        rule: Rule, severity: Severity? = nil, message: String, path: String, line: Int = 1, commit: String,
        image: String? = nil, platform: String? = nil, digest: String? = nil, repository: String? = nil
    ) {
        self.rule = rule
        self.severity = severity ?? rule.defaultSeverity
        self.message = message
        self.path = path
        self.line = max(1, line)
        self.commit = commit
        self.image = image
        self.platform = platform
        self.digest = digest
        self.repository = repository
    }
}
