import ImageModel

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Follows an output's index → (nested indexes) → manifests → config + layers, turning every problem into a finding: hostile
/// input (oversized, cyclic, deeply nested, fanned-out, malformed, path-escaping) ends as a finding, never a crash or a hang.
public struct LayoutReader {
    /// Nesting deeper than this is refused (SPEC §3).
    public static let maxDepth = 8
    /// Manifests and indexes parsed per output: a DAG of indexes can fan out exponentially without a cycle.
    public static let maxDocuments = 4096
    /// Descriptors examined per output, across every manifest visited.
    public static let maxDescriptors = 250_000
    /// A blob size beyond 1 TiB is not a real layer (and would overflow arithmetic downstream).
    public static let maxBlobSize: Int64 = 1 << 40
    public static let nameAnnotation = "io.containerd.image.name"
    public static let refNameAnnotation = "org.opencontainers.image.ref.name"
    /// buildx marks attestation manifests in an index with this annotation.
    public static let referenceTypeAnnotation = "vnd.docker.reference.type"

    let source: FileSource
    let resolver: RepositoryResolver
    /// Where the output's blobs and documents lie, and the root links stay inside.
    let format: any OutputFormat

    public init(source: FileSource, resolver: RepositoryResolver, format: any OutputFormat) {
        self.source = source
        self.resolver = resolver
        self.format = format
    }

    /// A reader for outputs of the built-in formats, each read by the format of its kind.
    public init(source: FileSource, resolver: RepositoryResolver) {
        self.init(source: source, resolver: resolver, format: OCILayoutFormat())
    }

    /// Reads one output with the built-in format of its kind.
    public func read(_ output: ImageOutput) -> ScanResult {
        OutputFormats.builtIn.images(of: output, in: source, resolver: resolver)
    }

    /// Reads an output from its top index (an OCI layout's `index.json`), which must be an image index.
    public func readIndex(at indexPath: String, of output: ImageOutput) -> ScanResult {
        var state = State(output: output, commit: source.commit, root: format.root(of: output))
        guard let data = readDocument(indexPath, state: &state) else { return finish(state) }
        do {
            switch try DocumentParser.parse(data, declaredMediaType: MediaType.ociIndex) {
            case .index(let index):
                var context = Context.top
                context.name = imageName(from: index.annotations)
                walkIndex(index, lines: DigestLines(data), path: indexPath, context: context, state: &state)
            case .manifest:
                state.add(
                    .manifestInvalid, "index.json of an OCI layout must be an image index, found an image manifest",
                    path: indexPath)
            }
        } catch {
            state.add(.manifestInvalid, "\(error)", path: indexPath)
        }
        return finish(state)
    }

    /// Reads an output from one manifest or index document (a skopeo `manifest.json`, a standalone manifest file).
    public func readDocument(at manifestPath: String, of output: ImageOutput) -> ScanResult {
        var state = State(output: output, commit: source.commit, root: format.root(of: output))
        guard let data = readDocument(manifestPath, state: &state) else { return finish(state) }
        if DockerArchiveReader.isDockerManifestList(data) {
            state.add(
                .outputSkipped,
                "\(manifestPath) is a docker archive's manifest.json (an array of Config/RepoTags/Layers), not an image manifest or index; not read (commit the archive as a tar, or an OCI layout)",
                path: manifestPath)
            return finish(state)
        }
        _ = state.enter(VisitKey(digest: nil, path: manifestPath, name: nil, refName: nil))
        visitDocument(data, path: manifestPath, declaredMediaType: nil, digest: nil, context: .top, state: &state)
        return finish(state)
    }

    /// The walk's images (marked with the output's kind unless a reader set one) and findings, and the `list` candidate.
    private func finish(_ state: State) -> ScanResult {
        let kind = state.output.kind.rawValue
        var result = ScanResult(
            images: state.images.map { image in
                var image = image
                image.outputKind = image.outputKind ?? kind
                return image
            }, findings: state.findings)
        result.candidates.append(
            OutputCandidate(path: state.output.path, kind: kind, read: true, reason: format.reason))
        return result
    }

    // MARK: - Walking

    /// What a document inherits from the index entry that led to it.
    struct Context {
        var name: String?
        /// The `org.opencontainers.image.ref.name` of the index entry (a tag such as `v1`, or a full reference).
        var refName: String?
        var platform: Platform?
        var depth: Int
        /// Digests of the documents above this one, for cycle detection.
        var stack: [Digest]
        var attestation: Bool

        /// What the top document of an output starts with.
        static let top = Context(name: nil, refName: nil, platform: nil, depth: 1, stack: [], attestation: false)
    }

    /// Walks an index's entries in order, until the walk's budgets are spent.
    private func walkIndex(_ index: ImageIndex, lines: DigestLines, path: String, context: Context, state: inout State)
    {
        guard state.spend(index.manifests.count, at: path) else { return }
        var occurrences = DigestOccurrences(lines)
        for descriptor in index.manifests {
            if state.stopped { return }
            let entry = Entry(descriptor, line: occurrences.line(of: descriptor), parent: context, reader: self)
            walkEntry(entry, path: path, context: context, state: &state)
        }
    }

    /// One index entry as the walk sees it: where its digest is, and the name, tag and platform it passes on.
    struct Entry {
        let descriptor: Descriptor
        let line: Int
        let name: String?
        let refName: String?
        let platform: Platform?
        /// buildx's attestation manifest: it may be absent from the layout, and its platform is `unknown/unknown`.
        let attestation: Bool

        init(_ descriptor: Descriptor, line: Int, parent context: Context, reader: LayoutReader) {
            self.descriptor = descriptor
            self.line = line
            name = reader.imageName(from: descriptor.annotations) ?? context.name
            refName = reader.nonEmpty(descriptor.annotations?[LayoutReader.refNameAnnotation]) ?? context.refName
            attestation = descriptor.annotations?[LayoutReader.referenceTypeAnnotation] == "attestation-manifest"
            platform =
                attestation
                ? Platform(os: "unknown", architecture: "unknown") : (descriptor.platform?.platform ?? context.platform)
        }
    }

    /// Follows one index entry to the document it names, unless it is refused, already walked or unreadable.
    private func walkEntry(_ entry: Entry, path: String, context: Context, state: inout State) {
        let descriptor = entry.descriptor
        let reference = Reference(path: path, line: entry.line, name: entry.name, platform: entry.platform)
        guard let digest = followedDigest(of: descriptor, reference: reference, context: context, state: &state)
        else { return }
        let key = VisitKey(digest: digest, path: "", name: entry.name, refName: entry.refName)
        // Already walked this way: a DAG is walked once per name, not once per path.
        if state.visited.contains(key) { return }
        let childContext = Context(
            name: entry.name, refName: entry.refName, platform: entry.platform, depth: context.depth + 1,
            stack: context.stack + [digest],
            attestation: entry.attestation || context.attestation)
        if let known = state.parsed[digest] {
            // Parsed before under another name: no need to read, verify or parse it again.
            guard state.enter(key) else { return }
            visit(known, digest: digest, context: childContext, state: &state)
            return
        }
        if state.unusable.contains(digest) { return }
        guard
            let (child, childPath) = readChild(digest, reference: reference, optional: entry.attestation, state: &state)
        else { return }
        guard
            verifyDocument(
                child, descriptor: descriptor, digest: digest, blobPath: childPath, reference: reference,
                state: &state)
        else {
            state.unusable.insert(digest)
            return
        }
        guard state.enter(key) else { return }
        visitDocument(
            child, path: childPath, declaredMediaType: descriptor.mediaType, digest: digest, context: childContext,
            state: &state)
    }

    /// The digest of an index entry the walk follows; nil (with a finding when something is wrong) when its digest is
    /// invalid, its media type is neither a manifest's nor an index's, or it is refused.
    private func followedDigest(
        of descriptor: Descriptor, reference: Reference, context: Context, state: inout State
    ) -> Digest? {
        guard let digest = descriptor.validDigest else {
            state.add(
                .manifestInvalid,
                "index entry has a digest outside the grammar (sha256:<64 hex> or sha512:<128 hex>): \(descriptor.digest.debugQuoted)",
                reference: reference, digest: nil)
            return nil
        }
        if descriptor.mediaType == MediaType.ociArtifactManifest {
            state.add(
                .outputSkipped,
                "index entry \(digest) is an OCI artifact manifest (\(MediaType.ociArtifactManifest)), withdrawn from OCI 1.1 before its release and not accepted by registries; not read, its blobs are not checked (rewrite it as an image manifest with artifactType)",
                reference: reference, digest: digest.string)
            return nil
        }
        if let mediaType = descriptor.mediaType, !MediaType.isIndex(mediaType), !MediaType.isManifest(mediaType) {
            // An entry of an unknown media type is not an error (OCI image-spec) and is not followed; but when its blob is
            // an image manifest or index, an image is being left out, so say so.
            if let kind = manifestShapedBlob(digest, size: descriptor.size, state: state) {
                state.add(
                    .outputSkipped,
                    "index entry \(digest) has media type \(mediaType.debugQuoted), not a manifest or index type, but its blob is an image \(kind); not followed (fix the entry's mediaType to read it)",
                    reference: reference, digest: digest.string)
            }
            return nil
        }
        if let why = refusal(of: descriptor, digest, context: context) {
            state.add(.manifestInvalid, why, reference: reference, digest: digest.string)
            return nil
        }
        return digest
    }

    /// Why an index entry is not followed (its size, a cycle, the nesting depth), or nil.
    private func refusal(of descriptor: Descriptor, _ digest: Digest, context: Context) -> String? {
        if descriptor.size < 0 { return "index entry \(digest) has a negative size \(descriptor.size)" }
        if descriptor.size > Int64(DocumentParser.maxDocumentSize) {
            return "index entry \(digest) declares \(descriptor.size) bytes, over the 4 MiB manifest limit; not read"
        }
        if context.stack.contains(digest) { return "cycle: \(digest) refers back to itself through its descendants" }
        if context.depth >= LayoutReader.maxDepth {
            return "nesting deeper than \(LayoutReader.maxDepth) levels at \(digest); not followed"
        }
        return nil
    }

    /// "manifest" or "index" when the blob a descriptor names is one (read only when it is small enough to be a document).
    private func manifestShapedBlob(_ digest: Digest, size: Int64, state: State) -> String? {
        guard size >= 0, size <= Int64(DocumentParser.maxDocumentSize) else { return nil }
        for candidate in documentPaths(digest, in: state) {
            guard
                case .file(let data) = source.read(
                    candidate, limit: Int64(DocumentParser.maxDocumentSize), within: state.root),
                data.first == UInt8(ascii: "{")
                    || data.drop(while: { $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }).first
                        == UInt8(ascii: "{")
            else { continue }
            switch try? DocumentParser.parse(data) {
            case .manifest?: return "manifest"
            case .index?: return "index"
            case nil: return nil
            }
        }
        return nil
    }

    /// A manifest or index as parsed once, with the lines of its digests.
    struct Document {
        let parsed: ParsedDocument
        let lines: DigestLines
        let path: String
    }

    private func visitDocument(
        _ data: Data, path: String, declaredMediaType: String?, digest: Digest?, context: Context, state: inout State
    ) {
        let parsed: ParsedDocument
        do {
            parsed = try DocumentParser.parse(data, declaredMediaType: declaredMediaType)
        } catch {
            state.add(
                .manifestInvalid, "\(error)", path: path, name: context.name, platform: context.platform,
                digest: digest?.string)
            if let digest { state.unusable.insert(digest) }
            return
        }
        let document = Document(parsed: parsed, lines: DigestLines(data), path: path)
        if let digest { state.parsed[digest] = document }
        visit(document, digest: digest, context: context, state: &state)
    }

    private func visit(_ document: Document, digest: Digest?, context: Context, state: inout State) {
        let path = document.path
        switch document.parsed {
        case .index(let index):
            var inner = context
            inner.name = imageName(from: index.annotations) ?? context.name
            walkIndex(index, lines: document.lines, path: path, context: inner, state: &state)
        case .manifest(let manifest):
            guard state.spend(manifest.layers.count + 1, at: path) else { return }
            followSubject(of: manifest, context: context, state: &state)
            let image = image(
                from: manifest, lines: document.lines, path: path, digest: digest, context: context, state: &state)
            if let digest, let platform = image.platform { state.platforms[digest] = platform }
            state.images.append(image)
        }
    }

    /// A referrer (a manifest with `subject`) whose subject is in the layout but was not reached from the index: walk the
    /// subject too, so a layout listing only a signature or SBOM still has its image checked.
    private func followSubject(of manifest: ImageManifest, context: Context, state: inout State) {
        guard let subject = manifest.subject, let digest = subject.validDigest, !state.visitedDigests.contains(digest),
            !context.stack.contains(digest), context.depth < LayoutReader.maxDepth, subject.size >= 0,
            subject.size <= Int64(DocumentParser.maxDocumentSize)
        else { return }
        var subjectData: Data?
        var subjectPath = ""
        for candidate in documentPaths(digest, in: state) {
            if case .file(let data) = source.read(
                candidate, limit: Int64(DocumentParser.maxDocumentSize), within: state.root)
            {
                subjectData = data
                subjectPath = candidate
                break
            }
        }
        guard let subjectData, ContentDigest.compute(subjectData, algorithm: digest.algorithm) == digest,
            state.enter(VisitKey(digest: digest, path: "", name: context.name, refName: context.refName))
        else { return }
        let inner = Context(
            name: context.name, refName: context.refName, platform: nil, depth: context.depth + 1,
            stack: context.stack + [digest], attestation: false)
        visitDocument(
            subjectData, path: subjectPath, declaredMediaType: subject.mediaType, digest: digest, context: inner,
            state: &state)
    }

    private func image(
        from manifest: ImageManifest, lines: DigestLines, path: String, digest: Digest?, context: Context,
        state: inout State
    ) -> Image {
        let name = context.name ?? imageName(from: manifest.annotations)
        // Grown once, not doubled and rehashed six times on the way to a hundred layers.
        state.probes.reserveCapacity(state.probes.count + manifest.layers.count + 1)
        let config = readConfig(manifest.config, state: &state)
        let platform = self.platform(context, config: config, subject: manifest.subject, state: state)
        let repository = resolver.resolve(outputPath: state.output.path, name: name)
        var image = Image(
            name: name, outputPath: state.output.path, manifestPath: path, manifestDigest: digest?.string,
            platform: platform,
            repository: repository, commit: state.commit)
        image.refName = context.refName ?? nonEmpty(manifest.annotations?[LayoutReader.refNameAnnotation])
        image.indexDigests = context.stack.filter { $0 != digest }.map(\.string)
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
            if let layer = addBlob(descriptor, valid, role: role, line: line, to: &image, state: &state) {
                layerDigests.append(layer)
            }
        }
        if let diffIDs = config?.rootfs?.diff_ids,
            let note = uncompressedNote(layerDigests, diffIDs: diffIDs, lines: lines)
        {
            image.addFinding(.layerUncompressed, note.message, line: note.line, digest: note.digest)
        }
        if repository == nil {
            image.addFinding(
                .imageUnmapped,
                "no repository for image \(name ?? state.output.path): add an io.containerd.image.name annotation (public.ecr.aws/<alias>/<repo>), an `images` entry in .verify-layers.yml (or `exclude:` it there), or --repository; nothing of it is checked until then",
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

    // MARK: - Local integrity

    /// Something wrong with a config/layer blob, found without asking the registry; `severity` nil for the rule's own.
    typealias LocalProblem = (rule: Rule, message: String, severity: Severity?)

    /// What is wrong locally with one config/layer blob: its inline `data`, and the blob in the tree (content or LFS pointer).
    private func localProblems(_ descriptor: Descriptor, digest: Digest, what: String, state: inout State)
        -> [LocalProblem]
    {
        var problems = inlineDataProblems(descriptor, digest: digest, what: what)
        // One output's blob path is a function of the digest: keyed by the digest, not the longer path.
        let probe: BlobProbe
        if let known = state.probes[digest] {
            probe = known
        } else if let directory = blobDirectory(digest, state: &state) {
            probe = source.probe(digest, inDirectory: directory, within: state.root)
            state.probes[digest] = probe
        } else {
            probe = source.probe(blobPath(digest, in: state), algorithm: digest.algorithm, within: state.root)
            state.probes[digest] = probe
        }
        problems += blobProblems(
            probe, at: self.blobPath(digest, in: state), descriptor: descriptor, digest: digest, what: what)
        return problems
    }

    /// The format's directory for blobs of `digest`'s algorithm (`OutputFormat.blobDirectory`), asked once per output
    /// and algorithm.
    private func blobDirectory(_ digest: Digest, state: inout State) -> String? {
        if let known = state.blobDirectories[digest.algorithm] { return known }
        let directory = format.blobDirectory(of: digest, root: state.root)
        state.blobDirectories[digest.algorithm] = .some(directory)
        return directory
    }

    /// What is wrong with a descriptor's inline `data`: not base64, or not the size and digest the descriptor names.
    private func inlineDataProblems(_ descriptor: Descriptor, digest: Digest, what: String) -> [LocalProblem] {
        guard let inline = descriptor.data else { return [] }
        guard let bytes = Data(base64Encoded: inline) else {
            return [(.manifestInvalid, "\(what) \(digest) has inline data that is not base64", nil)]
        }
        var problems: [LocalProblem] = []
        if Int64(bytes.count) != descriptor.size {
            problems.append(
                (
                    .sizeMismatch,
                    "\(what) \(digest) carries \(bytes.count) bytes of inline data but its descriptor says \(descriptor.size)",
                    nil
                ))
        }
        if let actual = ContentDigest.compute(bytes, algorithm: digest.algorithm), actual != digest {
            problems.append((.digestMismatch, "\(what) \(digest): its inline data hashes to \(actual)", nil))
        }
        return problems
    }

    /// What is wrong with the blob in the tree, as probed: unreadable, or an LFS pointer or content of another size or
    /// digest than the descriptor's. Nothing when it is absent (the registry is asked for it instead).
    private func blobProblems(
        _ probe: BlobProbe, at blobPath: @autoclosure () -> String, descriptor: Descriptor, digest: Digest,
        what: String
    ) -> [LocalProblem] {
        var problems: [LocalProblem] = []
        switch probe {
        case .missing:
            break
        case .notReadable(let why):
            problems.append((.manifestInvalid, "\(what) \(digest) at \(blobPath()) cannot be read: \(why)", .warning))
        case .lfsPointer(let pointer):
            if pointer.size != descriptor.size {
                problems.append(
                    (
                        .sizeMismatch,
                        "\(what) \(digest.short): \(blobPath()) is a Git LFS pointer to \(pointer.size) bytes but the descriptor says \(descriptor.size)",
                        nil
                    ))
            }
            if digest.algorithm == "sha256" && pointer.oid != digest {
                problems.append(
                    (
                        .digestMismatch,
                        "\(what) \(digest.short): \(blobPath()) is a Git LFS pointer to \(pointer.oid), a different content",
                        nil
                    ))
            }
        case .content(let size, let actual):
            if size != descriptor.size {
                problems.append(
                    (
                        .sizeMismatch,
                        "\(what) \(digest.short): \(blobPath()) is \(size) bytes but the descriptor says \(descriptor.size)",
                        nil
                    ))
            }
            if let actual, actual != digest {
                problems.append(
                    (
                        .digestMismatch,
                        "\(what) \(digest.short): \(blobPath()) hashes to \(actual), not to the digest that names it",
                        nil
                    ))
            }
        }
        return problems
    }

    /// Checks a manifest/index blob against its descriptor; false when it must not be followed (its content is not what was named).
    private func verifyDocument(
        _ data: Data, descriptor: Descriptor, digest: Digest, blobPath: String, reference: Reference, state: inout State
    ) -> Bool {
        if state.verified.contains(digest) && Int64(data.count) == descriptor.size { return true }
        if Int64(data.count) != descriptor.size {
            state.add(
                .sizeMismatch,
                "manifest \(digest): \(blobPath) is \(data.count) bytes but the descriptor says \(descriptor.size)",
                reference: reference, digest: digest.string)
        }
        if let actual = ContentDigest.compute(data, algorithm: digest.algorithm), actual != digest {
            state.add(
                .digestMismatch,
                "manifest \(digest): \(blobPath) hashes to \(actual), not to the digest that names it; not followed",
                reference: reference, digest: digest.string)
            return false
        }
        state.verified.insert(digest)
        return true
    }

    // MARK: - Reading

    /// Where a finding about a referenced document points: the referencing file and the line of the digest in it.
    struct Reference {
        var path: String
        var line: Int
        var name: String?
        var platform: Platform?
    }

    /// Reads a manifest/index an index entry names; nil (with a finding, unless `optional` and simply absent) when it cannot be.
    private func readChild(_ digest: Digest, reference: Reference, optional: Bool, state: inout State) -> (
        Data, String
    )? {
        var lastPath = ""
        for candidate in documentPaths(digest, in: state) {
            lastPath = candidate
            switch source.read(candidate, limit: Int64(DocumentParser.maxDocumentSize), within: state.root) {
            case .file(let data):
                return (data, candidate)
            case .missing:
                continue
            case .tooLarge(let size):
                state.add(
                    .manifestInvalid, "manifest \(digest) is \(size) bytes, over the 4 MiB limit; not read",
                    reference: reference, digest: digest.string)
                return nil
            case .notReadable(let why):
                state.add(
                    .manifestInvalid, "manifest \(digest) at \(candidate) cannot be read: \(why)", reference: reference,
                    digest: digest.string)
                return nil
            case .lfsObjectMissing(let pointer):
                state.lfsMissing(
                    pointer, path: candidate, name: reference.name, platform: reference.platform, digest: digest.string)
                return nil
            }
        }
        if !optional {
            state.add(
                .blobMissing,
                "manifest \(digest) referenced here is not in the layout (\(lastPath)); its image cannot be checked",
                reference: reference, digest: digest.string)
        }
        return nil
    }

    private func readDocument(_ path: String, state: inout State) -> Data? {
        switch source.read(path, limit: Int64(DocumentParser.maxDocumentSize), within: state.root) {
        case .file(let data): return data
        case .missing: state.add(.manifestInvalid, "\(path) is missing", path: path)
        case .tooLarge(let size):
            state.add(.manifestInvalid, "\(path) is \(size) bytes, over the 4 MiB limit; not read", path: path)
        case .notReadable(let why): state.add(.manifestInvalid, "\(path) cannot be read: \(why)", path: path)
        case .lfsObjectMissing(let pointer):
            state.lfsMissing(pointer, path: path, name: nil, platform: nil, digest: nil)
        }
        return nil
    }

    /// The config document (small, at most 4 MiB), for the platform and `rootfs.diff_ids`; nil when absent or unusable.
    private func readConfig(_ descriptor: Descriptor, state: inout State) -> ImageConfigDocument? {
        guard let digest = descriptor.validDigest, !descriptor.isEmptyDescriptor, descriptor.size >= 0,
            descriptor.size <= Int64(DocumentParser.maxDocumentSize)
        else { return nil }
        if let known = state.configs[digest] { return known }
        var config: ImageConfigDocument?
        if case .file(let data) = source.read(
            blobPath(digest, in: state), limit: Int64(DocumentParser.maxDocumentSize), within: state.root)
        {
            config = DocumentParser.parseConfig(data)
        }
        state.configs[digest] = .some(config)
        return config
    }

    private func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    func imageName(from annotations: [String: String]?) -> String? {
        guard let annotations else { return nil }
        if let name = annotations[LayoutReader.nameAnnotation], !name.isEmpty { return name }
        if let ref = annotations[LayoutReader.refNameAnnotation], ref.contains("/") { return ref }
        return nil
    }

    // MARK: - Paths

    /// Where a config/layer blob lives; built only from a validated digest.
    func blobPath(_ digest: Digest, in state: State) -> String {
        format.blobPath(of: digest, root: state.root)
    }

    /// Where a manifest/index named by an index may live, in the order tried.
    func documentPaths(_ digest: Digest, in state: State) -> [String] {
        format.documentPaths(of: digest, root: state.root)
    }

    // MARK: - State

    struct VisitKey: Hashable {
        var digest: Digest?
        var path: String
        var name: String?
        var refName: String?
    }

    /// Accumulates images and findings while one output is walked, and enforces the walk's budgets.
    struct State {
        let output: ImageOutput
        let commit: String
        let root: String
        var images: [Image] = []
        var findings: [Finding] = []
        var visited = Set<VisitKey>()
        var visitedDigests = Set<Digest>()
        var platforms: [Digest: Platform] = [:]
        /// Per-output memos: a manifest reached under many names is verified, and its config and blobs read, once.
        var verified = Set<Digest>()
        var parsed: [Digest: Document] = [:]
        /// Documents that failed verification or parsing: reported once, not again under every name that reaches them.
        var unusable = Set<Digest>()
        var configs: [Digest: ImageConfigDocument?] = [:]
        var probes: [Digest: BlobProbe] = [:]
        /// `blobDirectory`'s answer per digest algorithm (the inner nil: blob paths are not a directory and the hex).
        var blobDirectories: [String: String?] = [:]
        var documents = 0
        var descriptors = 0
        var stopped = false

        init(output: ImageOutput, commit: String, root: String) {
            self.output = output
            self.commit = commit
            self.root = root
        }

        /// Records a visit; false when this document was already walked the same way, or the document budget is spent.
        mutating func enter(_ key: VisitKey) -> Bool {
            guard !stopped, visited.insert(key).inserted else { return false }
            if let digest = key.digest { visitedDigests.insert(digest) }
            documents += 1
            if documents > LayoutReader.maxDocuments {
                stop(
                    "the output reaches more than \(LayoutReader.maxDocuments) manifests and indexes; the rest were not read",
                    path: key.path)
                return false
            }
            return true
        }

        /// Spends descriptor budget; false (with one finding) once the output has named too many.
        mutating func spend(_ count: Int, at path: String) -> Bool {
            guard !stopped else { return false }
            descriptors += count
            if descriptors > LayoutReader.maxDescriptors {
                stop(
                    "the output names more than \(LayoutReader.maxDescriptors) descriptors; the rest were not read",
                    path: path)
                return false
            }
            return true
        }

        private mutating func stop(_ message: String, path: String) {
            stopped = true
            add(.manifestInvalid, message, path: path)
        }

        mutating func add(
            _ rule: Rule, _ message: String, path: String, line: Int = 1, name: String? = nil,
            platform: Platform? = nil,
            digest: String? = nil
        ) {
            findings.append(
                Finding(
                    rule: rule, message: message, path: path, line: line, commit: commit, image: name,
                    platform: platform?.description, digest: digest))
        }

        mutating func add(_ rule: Rule, _ message: String, reference: Reference, digest: String?) {
            add(
                rule, message, path: reference.path, line: reference.line, name: reference.name,
                platform: reference.platform, digest: digest)
        }

        /// `lfs-object-missing`, with the command that fetches the object.
        mutating func lfsMissing(
            _ pointer: LFSPointer, path: String, name: String?, platform: Platform?, digest: String?
        ) {
            add(
                .lfsObjectMissing,
                "\(path) is a Git LFS pointer (oid \(pointer.oid.short), \(pointer.size) bytes) and the object is not in the local LFS store; fetch it with `git lfs fetch --include=\"\(path)\" origin \(commit)` (or `git lfs pull`; in CI, check out with LFS enabled)",
                path: path, name: name, platform: platform, digest: digest)
        }
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
