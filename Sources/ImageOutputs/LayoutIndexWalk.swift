import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The walk of an output's index tree: index entries followed (or refused) to the manifests and indexes they name,
/// each document parsed once, and a referrer's subject walked too.
extension LayoutReader {
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
        /// Where the index entries that led here name each digest of `stack` (a subject reached from its referrer has
        /// none).
        var mentions: [Digest: DigestMention] = [:]

        /// What the top document of an output starts with.
        static let top = Context(name: nil, refName: nil, platform: nil, depth: 1, stack: [], attestation: false)
    }

    /// Walks an index's entries in order, until the walk's budgets are spent.
    func walkIndex(_ index: ImageIndex, lines: DigestLines, path: String, context: Context, state: inout State) {
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
        var childContext = Context(
            name: entry.name, refName: entry.refName, platform: entry.platform, depth: context.depth + 1,
            stack: context.stack + [digest],
            attestation: entry.attestation || context.attestation, mentions: context.mentions)
        childContext.mentions[digest] = DigestMention(path: path, line: entry.line)
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
        if let mediaType = descriptor.mediaType, !MediaType.isWellFormed(mediaType) {
            state.add(
                .manifestInvalid,
                "index entry \(digest) has media type \(mediaType.debugQuoted), which is no media type (type/subtype); not followed",
                reference: reference, digest: digest.string)
            return nil
        }
        if MediaType.isDockerSchema1(descriptor.mediaType) {
            state.add(
                .outputSkipped,
                "index entry \(digest) is a Docker schema 1 manifest (\(descriptor.mediaType ?? "")), deprecated since Docker 1.10 and not read; its image is not checked (rebuild or convert it to schema 2 or OCI)",
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
        // `index.json` is level 1: eight levels of index are read, and the manifests the eighth names; an index named
        // there (or any document below) is a ninth level of nesting.
        let level = context.depth + 1
        let indexTooDeep = level > LayoutReader.maxDepth && MediaType.isIndex(descriptor.mediaType)
        if indexTooDeep || level > LayoutReader.maxDepth + 1 {
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

    func visitDocument(
        _ data: Data, path: String, declaredMediaType: String?, digest: Digest?, context: Context, state: inout State
    ) {
        let parsed: ParsedDocument
        do {
            parsed = try DocumentParser.parse(data, declaredMediaType: declaredMediaType)
        } catch {
            state.add(
                .manifestInvalid, "\(error)", path: path, line: Self.line(of: error, in: data), name: context.name,
                platform: context.platform, digest: digest?.string)
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
            stack: context.stack + [digest], attestation: false, mentions: context.mentions)
        visitDocument(
            subjectData, path: subjectPath, declaredMediaType: subject.mediaType, digest: digest, context: inner,
            state: &state)
    }
}
