import ImageModel

/// Layers alone do not make an image pullable: the committed manifest (and index) must be in the repository by digest,
/// and a committed tag should point at it. This plans those lookups once per (repository, reference) across all images
/// and turns the answers into `manifest-unpublished` / `tag-mismatch` findings.
public struct ManifestChecks {
    public var level: ManifestCheckLevel
    /// Whether a docker archive's tag is compared by the config of the manifest it points at (the registry can pull it);
    /// false when only the tag's existence can be looked up.
    public var comparesConfigs: Bool

    public init(level: ManifestCheckLevel, comparesConfigs: Bool = true) {
        self.level = level
        self.comparesConfigs = comparesConfigs
    }

    /// The tag an image was committed under: its ref name (a bare tag, or a full reference) or its image name.
    public static func tag(of image: Image) -> String? {
        for candidate in [image.refName, image.name].compactMap({ $0 }) {
            if let tag = tag(inReference: candidate) { return tag }
        }
        return nil
    }

    /// `v1` → `v1`; `public.ecr.aws/a/b:v1` → `v1`; a digest reference or anything that is not a valid tag → nil.
    static func tag(inReference text: String) -> String? {
        if text.contains("@") { return nil }
        var candidate = Substring(text)
        if text.contains("/") || text.contains(":") {
            let lastComponent = text.split(separator: "/").last ?? ""
            guard let colon = lastComponent.lastIndex(of: ":") else { return nil }
            candidate = lastComponent[lastComponent.index(after: colon)...]
        }
        return ImageReference.isValidTag(String(candidate)) ? String(candidate) : nil
    }

    /// Every distinct lookup the images need: each committed manifest and index by digest, and each tag.
    public func queries(for images: [Image]) -> [ManifestQuery] {
        guard level != .off else { return [] }
        var seen = Set<ManifestQuery>()
        var queries: [ManifestQuery] = []
        func add(_ query: ManifestQuery) {
            if seen.insert(query).inserted { queries.append(query) }
        }
        for image in images {
            guard let repository = image.repository else { continue }
            if image.layersUncompressed || image.manifestDigest == nil {
                if let tag = Self.tag(of: image) {
                    add(ManifestQuery(repository: repository, reference: tag, readsConfig: comparesConfigs))
                }
                continue
            }
            guard let manifest = image.manifestDigest else { continue }
            for digest in image.indexDigests + [manifest] {
                add(ManifestQuery(repository: repository, reference: digest))
            }
            if let tag = Self.tag(of: image) { add(ManifestQuery(repository: repository, reference: tag)) }
        }
        return queries
    }

    /// The findings for one image from the answers; failures are returned separately (they decide exit 69/77).
    public func findings(for image: Image, answers: [ManifestQuery: ManifestAnswer]) -> (
        findings: [Finding], failures: [BatchFailure]
    ) {
        guard level != .off, let repository = image.repository else { return ([], []) }
        var findings: [Finding] = []
        var failures: [BatchFailure] = []
        let severity: Severity = level == .warning ? .warning : .error
        func finding(_ rule: Rule, _ message: String, digest: String?, severity: Severity? = nil) -> Finding {
            // At the index entry naming the digest (where a tag is written too), else the manifest.
            let at = image.location(of: digest)
            return Finding(
                rule: rule, severity: severity, message: message, path: at.path, line: at.line,
                commit: image.commit,
                image: image.name, platform: image.platform?.description, digest: digest,
                repository: repository.description)
        }
        if image.layersUncompressed || image.manifestDigest == nil {
            return archiveFindings(
                for: image, repository: repository, answers: answers, severity: severity, finding: finding)
        }
        guard let manifest = image.manifestDigest else { return ([], []) }
        let committed = image.indexDigests + [manifest]
        for digest in committed {
            switch answers[ManifestQuery(repository: repository, reference: digest)] {
            case .present?:
                break
            case .missing(let reason)?:
                let what = digest == manifest ? "manifest" : "index"
                findings.append(
                    finding(
                        .manifestUnpublished,
                        "the committed \(what) \(digest) is not published in \(repository): \(reason)",
                        digest: digest, severity: severity))
            case .failed(let failure)?:
                failures.append(failure)
                findings.append(
                    Self.failed(
                        failure, repository: repository, digest: digest,
                        otherwise: "could not check that manifest \(digest) is published in \(repository)"
                    ) { finding($0, $1, digest: $2) })
            case nil:
                break
            }
        }
        if let tag = Self.tag(of: image) {
            let tagged = tagFindings(
                tag, expected: committed.first ?? manifest, committed: committed, repository: repository,
                answers: answers, finding: finding)
            findings += tagged.findings
            failures += tagged.failures
        }
        // A repository that does not exist is one finding for the image, however many lookups it failed.
        var saidMissing = false
        findings.removeAll { found in
            guard found.rule == .repositoryNotFound else { return false }
            defer { saidMissing = true }
            return saidMissing
        }
        return (findings, failures)
    }

    /// The message of a `repository-not-found` finding, for the layer check and the manifest checks alike.
    static func notFound(_ repository: RepositoryRef, _ cause: String) -> String {
        "\(repository) does not exist in ECR Public: \(cause)"
    }

    /// The finding for a lookup that failed: `repository-not-found` (without a digest: it is about the repository) when
    /// the repository does not exist, else a `verification-error` saying `otherwise` and why.
    private static func failed(
        _ failure: BatchFailure, repository: RepositoryRef, digest: String?, otherwise: String,
        finding: (Rule, String, String?) -> Finding
    ) -> Finding {
        failure.kind == .repositoryNotFound
            ? finding(.repositoryNotFound, notFound(repository, failure.message), nil)
            : finding(.verificationError, "\(otherwise): \(failure.message)", digest)
    }

    /// Whether the committed tag names the committed manifest (or one of its indexes) in the repository.
    private func tagFindings(
        _ tag: String, expected: String, committed: [String], repository: RepositoryRef,
        answers: [ManifestQuery: ManifestAnswer], finding: (Rule, String, String?, Severity?) -> Finding
    ) -> (findings: [Finding], failures: [BatchFailure]) {
        var findings: [Finding] = []
        var failures: [BatchFailure] = []
        switch answers[ManifestQuery(repository: repository, reference: tag)] {
        case .present(let published, _)?:
            if let published, !committed.contains(published) {
                findings.append(
                    finding(
                        .tagMismatch,
                        "tag \(tag) in \(repository) points at \(published), not at the committed \(expected)",
                        expected, nil))
            }
        case .missing?:
            findings.append(
                finding(
                    .tagMismatch, "tag \(tag) does not exist in \(repository) (committed \(expected))",
                    expected, nil))
        case .failed(let failure)?:
            failures.append(failure)
            findings.append(
                Self.failed(
                    failure, repository: repository, digest: expected,
                    otherwise: "could not check tag \(tag) in \(repository)"
                ) { finding($0, $1, $2, nil) })
        case nil:
            break
        }
        return (findings, failures)
    }

    /// A docker archive is published when its tag's manifest names the committed config (its layers were compressed on
    /// push, so no manifest digest can match), or, when no config can be read, when its tag exists; without a tag there
    /// is nothing to look up.
    private func archiveFindings(
        for image: Image, repository: RepositoryRef, answers: [ManifestQuery: ManifestAnswer], severity: Severity,
        finding: (Rule, String, String?, Severity?) -> Finding
    ) -> (findings: [Finding], failures: [BatchFailure]) {
        guard let tag = Self.tag(of: image),
            let config = image.blobs.first(where: { $0.role == .config })?.digest.string
        else { return ([], []) }
        switch answers[ManifestQuery(repository: repository, reference: tag, readsConfig: comparesConfigs)] {
        case .present(let published, let publishedConfig)?:
            guard comparesConfigs, publishedConfig != config else { return ([], []) }
            let what = publishedConfig.map { "config \($0)" } ?? "no readable config"
            return (
                [
                    finding(
                        .manifestUnpublished,
                        "the committed image (config \(config)) is not published under tag \(tag) in \(repository): "
                            + "the tag's manifest \(published ?? "") has \(what)", config, severity)
                ], []
            )
        case .missing(let reason)?:
            return (
                [
                    finding(
                        .manifestUnpublished,
                        "the committed image (config \(config)) is not published in \(repository): tag \(tag): \(reason)",
                        config, severity)
                ], []
            )
        case .failed(let failure)?:
            let said = Self.failed(
                failure, repository: repository, digest: config,
                otherwise: "could not check tag \(tag) in \(repository)"
            ) { finding($0, $1, $2, nil) }
            return ([said], [failure])
        case nil:
            return ([], [])
        }
    }
}
