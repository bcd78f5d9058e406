import ImageModel

/// Turning a manifest into an `Image`: its name, platform and repository, its config and layer blobs with what is
/// wrong with each, and the image's own findings.
extension LayoutReader {
    func image(
        from manifest: ImageManifest, lines: DigestLines, path: String, digest: Digest?, context: Context,
        state: inout State
    ) -> Image {
        let annotatedName = context.name ?? imageName(from: manifest.annotations)
        // Grown once, not doubled and rehashed six times on the way to a hundred layers.
        state.probes.reserveCapacity(state.probes.count + manifest.layers.count + 1)
        let config = readConfig(manifest.config, state: &state)
        let platform = self.platform(context, config: config, subject: manifest.subject, state: state)
        let repository = resolver.resolve(outputPath: state.output.path, name: annotatedName)
        let refName = context.refName ?? nonEmpty(manifest.annotations?[LayoutReader.refNameAnnotation])
        // A bare tag (`v1`) in a layout mapped by the config still names a full reference: findings and reports carry it.
        let name = annotatedName ?? ImageReference.reference(repository: repository, tag: refName)
        let digestText = digest?.string
        var image = Image(
            name: name, outputPath: state.output.path, manifestPath: path, manifestDigest: digestText,
            platform: platform,
            repository: repository, commit: state.commit)
        image.refName = refName
        image.indexDigests = context.stack.filter { $0 != digest }.map(\.string)
        // The manifest's own mention shares its digest's text (each image is kept to the end of the run).
        for (named, mention) in context.mentions {
            image.mentions[named == digest ? digestText ?? named.string : named.string] = mention
        }
        var layerDigests: [Digest] = []
        layerDigests.reserveCapacity(manifest.layers.count)
        // Exactly the image's blobs: kept for the whole run, so no growth slack.
        image.blobs.reserveCapacity(manifest.layers.count + 1)
        let descriptors = [(manifest.config, BlobRole.config)] + manifest.layers.map { ($0, BlobRole.layer) }
        var occurrences = DigestOccurrences(lines)
        for (descriptor, role) in descriptors {
            // Validated once: the line lookup and the blob share it (each parse of a digest's hex counts, 20,000 times).
            let valid = descriptor.validDigest
            let line = valid.map { occurrences.line(of: $0) } ?? lines.line(of: descriptor.digest)
            // Only filesystem layers have diff_ids that mean anything: an attestation's or signature's JSON blob is
            // its own diff_id (buildkit, cosign) and is pushed as it is.
            if let layer = addBlob(descriptor, valid, role: role, line: line, to: &image, state: &state),
                MediaType.isFilesystemLayer(descriptor.mediaType)
            {
                layerDigests.append(layer)
            }
        }
        if let diffIDs = config?.rootfs?.diff_ids,
            let note = uncompressedNote(layerDigests, diffIDs: diffIDs, lines: lines)
        {
            image.addFinding(.layerUncompressed, note.message, line: note.line, digest: note.digest)
        }
        if repository == nil {
            // A name on public.ecr.aws that still maps to nothing has a malformed alias or repository: say so, or the
            // advice to add the annotation it already has would puzzle.
            let malformed =
                name.map { $0.hasPrefix(ImageReference.host + "/") } == true
                ? " (its name is not public.ecr.aws/<alias>/<repo> with a valid alias and repository: each at least 2 "
                    + "characters, lowercase letters and digits separated by . _ -)" : ""
            image.addFinding(
                .imageUnmapped,
                "no repository for image \(name ?? state.output.path)\(malformed): add an io.containerd.image.name annotation (public.ecr.aws/<alias>/<repo>), an `images` entry in .verify-layers.yml (or `exclude:` it there), or --repository; nothing of it is checked until then",
                line: 1)
        }
        return image
    }

    /// Records a manifest's config or layer descriptor on its image, with what is wrong with it; its digest when it is a
    /// layer that will be checked (not a config, not non-distributable, not refused).
    private func addBlob(
        _ descriptor: Descriptor, _ validDigest: Digest?, role: BlobRole, line: Int, to image: inout Image,
        state: inout State
    ) -> Digest? {
        let what = role == .config ? "config blob" : "layer"
        guard let blobDigest = validDigest else {
            image.addFinding(
                .layerInvalid,
                "\(what) has a digest outside the grammar (sha256:<64 hex> or sha512:<128 hex>): \(descriptor.digest.debugQuoted)",
                line: line)
            return nil
        }
        guard descriptor.size >= 0 else {
            image.addFinding(
                .manifestInvalid, "\(what) \(blobDigest) has a negative size \(descriptor.size)", line: line,
                digest: blobDigest.string)
            return nil
        }
        guard descriptor.size <= LayoutReader.maxBlobSize else {
            image.addFinding(
                .manifestInvalid,
                "\(what) \(blobDigest) declares an absurd size of \(descriptor.size) bytes (over 1 TiB)",
                line: line, digest: blobDigest.string)
            return nil
        }
        let mediaType = descriptor.mediaType ?? ""
        image.blobs.append(
            BlobRef(
                digest: blobDigest, size: descriptor.size, mediaType: mediaType, role: role, path: image.manifestPath,
                line: line))
        if role == .layer && MediaType.isNonDistributable(mediaType) {
            image.addFinding(
                .layerSkipped,
                "non-distributable layer \(blobDigest) (\(mediaType)) is never pushed to a registry; not checked",
                line: line, digest: blobDigest.string)
            return nil
        }
        for problem in localProblems(descriptor, digest: blobDigest, what: what, state: &state) {
            image.addFinding(
                problem.rule, problem.message, line: line, digest: blobDigest.string, severity: problem.severity)
        }
        return role == .layer ? blobDigest : nil
    }

    /// The index entry's platform, else the config's, else (for a referrer) its subject's.
    private func platform(_ context: Context, config: ImageConfigDocument?, subject: Descriptor?, state: State)
        -> Platform?
    {
        if let platform = context.platform { return platform }
        if let os = config?.os, let architecture = config?.architecture, !os.isEmpty, !architecture.isEmpty {
            return Platform(os: os, architecture: architecture, variant: config?.variant)
        }
        guard let subject = subject?.validDigest else { return nil }
        return state.platforms[subject]
    }

    /// `layer-uncompressed` when layers are named by the config's `diff_ids` (stored uncompressed): its message, and the
    /// line and digest of the first such layer.
    private func uncompressedNote(_ layerDigests: [Digest], diffIDs: [String], lines: DigestLines)
        -> (message: String, line: Int, digest: String)?
    {
        let uncompressed = Set(diffIDs.compactMap { Digest($0) })
        let matching = layerDigests.filter { uncompressed.contains($0) }
        guard let first = matching.first else { return nil }
        return (
            "\(matching.count) of \(layerDigests.count) layers are stored uncompressed (their digests equal the config's rootfs.diff_ids, as classic `docker save` and nix write them); a registry stores compressed layers, so these digests cannot match it",
            lines.line(of: first.string), first.string
        )
    }

    func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// The image's full reference from its annotations: `io.containerd.image.name`, or `org.opencontainers.image.ref.name`
    /// when that is a full reference. When only the second is on ECR Public (containerd's name is `docker.io/...`), the
    /// second: the name that maps the image wins over the one that does not.
    func imageName(from annotations: [String: String]?) -> String? {
        guard let annotations else { return nil }
        let containerd = nonEmpty(annotations[LayoutReader.nameAnnotation])
        let ref = annotations[LayoutReader.refNameAnnotation].flatMap { $0.contains("/") ? $0 : nil }
        if let containerd, ImageReference.ecrPublicRepository(from: containerd) == nil, let ref,
            ImageReference.ecrPublicRepository(from: ref) != nil
        {
            return ref
        }
        return containerd ?? ref
    }
}

extension Image {
    /// Adds a finding about this image, at its manifest.
    fileprivate mutating func addFinding(
        _ rule: Rule, _ message: String, line: Int, digest: String? = nil, severity: Severity? = nil
    ) {
        findings.append(
            Finding(
                rule: rule, severity: severity, message: message, path: manifestPath, line: line, commit: commit,
                image: name, platform: platform?.description, digest: digest, repository: repository?.description))
    }
}
