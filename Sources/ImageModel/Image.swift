/// Where ECR Public keeps an image: `registryId` (account id or alias; nil means the caller's default) and repository name.
public struct RepositoryRef: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var registryId: String?
    public var repositoryName: String

    public init(registryId: String?, repositoryName: String) {
        self.registryId = registryId
        self.repositoryName = repositoryName
    }

    public var description: String {
        if let registryId { return "public.ecr.aws/\(registryId)/\(repositoryName)" }
        return repositoryName
    }

    public static func < (lhs: RepositoryRef, rhs: RepositoryRef) -> Bool {
        (lhs.registryId ?? "", lhs.repositoryName) < (rhs.registryId ?? "", rhs.repositoryName)
    }
}

/// Why a blob is referenced: the service is asked about both kinds, reports name them.
public enum BlobRole: String, Codable, Sendable {
    case config, layer
}

/// A blob an image needs in the registry, with the place in the repo that names it.
public struct BlobRef: Codable, Sendable, Hashable {
    public var digest: Digest
    public var size: Int64
    public var mediaType: String
    public var role: BlobRole
    public var path: String
    public var line: Int
    /// Where inside the file at `path` the reference is when that file is an archive (`archive member blobs/sha256/…, line 7`),
    /// so a finding located at the archive can still name the member.
    public var member: String?

    public init(
        digest: Digest, size: Int64, mediaType: String, role: BlobRole, path: String, line: Int, member: String? = nil
    ) {
        self.digest = digest
        self.size = size
        self.mediaType = mediaType
        self.role = role
        self.path = path
        self.line = line
        self.member = member
    }
}

/// Where an index names a manifest or index by digest: the file and the 1-based line of the digest in it.
public struct DigestMention: Codable, Sendable, Hashable {
    public var path: String
    public var line: Int

    public init(path: String, line: Int) {
        self.path = path
        self.line = line
    }
}

/// One platform image discovered in an image output at a commit: what to check and what was already wrong locally.
/// The `ImageModel` module is the vocabulary every stage shares (digests, descriptors, manifests, media types,
/// findings, the run report and its attribution, the JSON reader): pure values, no I/O; it must not read files, git
/// or the network.
public struct Image: Codable, Sendable {
    /// The full reference when known (`public.ecr.aws/alias/repo:tag`), else nil.
    public var name: String?
    /// The tag or reference the output gives this image (`org.opencontainers.image.ref.name`, a docker archive's
    /// `RepoTags`): what tells seven tags of one layout apart.
    public var refName: String?
    /// Digests of the indexes above this manifest, outermost first: part of the image's graph.
    public var indexDigests: [String] = []
    /// Repo-relative path of the output (layout dir, skopeo dir, or manifest file).
    public var outputPath: String
    /// Repo-relative path of the manifest document.
    public var manifestPath: String
    public var manifestDigest: String?
    public var platform: Platform?
    public var repository: RepositoryRef?
    public var commit: String
    /// Blobs to ask the registry about (config first, then layers), already validated.
    public var blobs: [BlobRef]
    /// Problems found while reading, before any network call.
    public var findings: [Finding]
    /// True for a docker archive's image with layers stored uncompressed: those cannot match a registry, only its config
    /// blob (and any layer stored compressed) can (a manifest check may accept the image when its tag's published manifest
    /// names the same config, as for any image without a manifest digest).
    public var layersUncompressed: Bool = false
    /// What the output is on disk (`oci-layout`, `skopeo-dir`, `oci-archive`, `docker-archive`, `manifest-file`): decides
    /// which skopeo transport publishes it, so a failed check can print the exact command.
    public var outputKind: String?
    /// Where the index entries naming this image's manifest and indexes are, by digest (`index.json` and its line, a
    /// nested index's blob); empty when no file of the output names the manifest (a skopeo dir, a manifest file).
    public var mentions: [String: DigestMention] = [:]

    public init(
        name: String?, outputPath: String, manifestPath: String, manifestDigest: String?, platform: Platform?,
        repository: RepositoryRef?, commit: String, blobs: [BlobRef] = [], findings: [Finding] = []
    ) {
        self.name = name
        self.outputPath = outputPath
        self.manifestPath = manifestPath
        self.manifestDigest = manifestDigest
        self.platform = platform
        self.repository = repository
        self.commit = commit
        self.blobs = blobs
        self.findings = findings
    }

    /// Where a finding about `digest` (the manifest or one of its indexes) points: the file naming it and the line of
    /// the digest there, else the manifest itself at line 1.
    public func location(of digest: String?) -> DigestMention {
        digest.flatMap { mentions[$0] } ?? DigestMention(path: manifestPath, line: 1)
    }

    /// A human label: output path, then the reference or tag, then the platform (`build/app (v1, linux/amd64)`).
    public var label: String {
        ImageLabel.make(path: outputPath, name: name, refName: refName, platform: platform?.description)
    }
}

/// Everything read from git for one run: the images, and findings that belong to no single image.
public struct ScanResult: Sendable {
    public var images: [Image]
    public var findings: [Finding]
    /// Every place considered as an output, read or not, and why (for `list -v`).
    public var candidates: [OutputCandidate] = []

    public init(images: [Image] = [], findings: [Finding] = []) {
        self.images = images
        self.findings = findings
    }
}

/// How every report names an image, so seven tags of one layout are seven distinguishable lines.
public enum ImageLabel {
    /// `path`, then in parentheses what tells images of that path apart: the reference (or tag) and the platform.
    public static func make(path: String, name: String?, refName: String?, platform: String?) -> String {
        var parts: [String] = []
        if let name { parts.append(name) }
        if let refName, refName != name, !(name.map(hasTagOrDigest) ?? false) { parts.append(refName) }
        if let platform { parts.append(platform) }
        return parts.isEmpty ? path : "\(path) (\(parts.joined(separator: ", ")))"
    }

    /// `repo:tag` or `repo@sha256:…`: the reference already says which tag, so the ref name adds nothing.
    static func hasTagOrDigest(_ reference: String) -> Bool {
        let last = reference.split(separator: "/").last ?? ""
        return reference.contains("@") || last.contains(":")
    }
}
