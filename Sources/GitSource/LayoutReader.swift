import Foundation
import ImageModel

/// The kinds of image output found in a tree.
public enum OutputKind: String, Sendable, Codable {
    case ociLayout = "oci-layout"
    case skopeoDir = "skopeo-dir"
    case manifestFile = "manifest-file"
}

/// An image output at a path in a commit.
public struct ImageOutput: Sendable, Hashable {
    public var kind: OutputKind
    /// Repo-relative directory (layouts) or file (manifest files).
    public var path: String

    public init(kind: OutputKind, path: String) {
        self.kind = kind
        self.path = path
    }
}

/// Follows an output's index → (nested indexes) → manifests → config + layers, turning every problem into a finding.
public struct LayoutReader {
    /// Nesting deeper than this is refused (SPEC §3).
    public static let maxDepth = 8
    public static let nameAnnotation = "io.containerd.image.name"
    public static let refNameAnnotation = "org.opencontainers.image.ref.name"

    let source: FileSource
    let resolver: RepositoryResolver

    public init(source: FileSource, resolver: RepositoryResolver) {
        self.source = source
        self.resolver = resolver
    }

    public func read(_ output: ImageOutput) -> ScanResult {
        var state = State(output: output, commit: source.commit)
        switch output.kind {
        case .ociLayout:
            let indexPath = join(output.path, "index.json")
            guard let data = readDocument(indexPath, into: &state) else { break }
            do {
                switch try DocumentParser.parse(data, declaredMediaType: MediaType.ociIndex) {
                case .index(let index):
                    walkIndex(index, data: data, path: indexPath, name: nil, platform: nil, depth: 1, stack: [], state: &state)
                case .manifest:
                    state.invalid("index.json of an OCI layout must be an image index, found an image manifest", path: indexPath)
                }
            } catch {
                state.invalid("\(error)", path: indexPath)
            }
        case .skopeoDir, .manifestFile:
            let manifestPath = output.kind == .skopeoDir ? join(output.path, "manifest.json") : output.path
            guard let data = readDocument(manifestPath, into: &state) else { break }
            visitDocument(data, path: manifestPath, declaredMediaType: nil, digest: nil, name: nil, platform: nil, depth: 1, stack: [], state: &state)
        }
        return ScanResult(images: state.images, findings: state.findings)
    }

    // MARK: - Walking

    private func walkIndex(_ index: ImageIndex, data: Data, path: String, name: String?, platform: Platform?, depth: Int, stack: [Digest], state: inout State) {
        for descriptor in index.manifests {
            let line = LineLocator.line(of: descriptor.digest, in: data)
            guard let digest = descriptor.validDigest else {
                state.findings.append(Finding(rule: .layerInvalid, message: "manifest descriptor has an invalid digest \(descriptor.digest.debugQuoted)",
                                              path: path, line: line, commit: state.commit, image: name))
                continue
            }
            let childName = imageName(from: descriptor.annotations) ?? name
            var childPlatform = descriptor.platform.map(\.platform) ?? platform
            if descriptor.annotations?["vnd.docker.reference.type"] == "attestation-manifest" {
                childPlatform = Platform(os: "unknown", architecture: "unknown")
            }
            if stack.contains(digest) {
                state.invalid("cycle: \(digest) refers back to itself through its descendants", path: path, line: line, name: childName)
                continue
            }
            if depth >= LayoutReader.maxDepth {
                state.invalid("nesting deeper than \(LayoutReader.maxDepth) levels at \(digest)", path: path, line: line, name: childName)
                continue
            }
            if descriptor.size < 0 {
                state.invalid("descriptor \(digest) has a negative size \(descriptor.size)", path: path, line: line, name: childName)
                continue
            }
            let blobPath = self.blobPath(state.output, digest)
            switch source.read(blobPath, limit: Int64(DocumentParser.maxDocumentSize)) {
            case .file(let child):
                if !verifyContent(child, digest: digest, size: descriptor.size, path: blobPath, referencedAt: path, line: line, name: childName, state: &state) { continue }
                visitDocument(child, path: blobPath, declaredMediaType: descriptor.mediaType, digest: digest, name: childName, platform: childPlatform,
                              depth: depth + 1, stack: stack + [digest], state: &state)
            case .missing:
                state.findings.append(Finding(rule: .blobMissing, message: "manifest \(digest) referenced by the index is not in the layout", path: path,
                                              line: line, commit: state.commit, image: childName, platform: childPlatform?.description, digest: digest.string))
            case .tooLarge(let size):
                state.invalid("manifest \(digest) is \(size) bytes, over the 4 MiB limit", path: blobPath, name: childName)
            case .notReadable(let why):
                state.invalid("manifest \(digest) cannot be read: \(why)", path: blobPath, name: childName)
            }
        }
    }

    private func visitDocument(_ data: Data, path: String, declaredMediaType: String?, digest: Digest?, name: String?, platform: Platform?, depth: Int,
                               stack: [Digest], state: inout State) {
        let document: ParsedDocument
        do {
            document = try DocumentParser.parse(data, declaredMediaType: declaredMediaType)
        } catch {
            state.invalid("\(error)", path: path, name: name)
            return
        }
        switch document {
        case .index(let index):
            let indexName = imageName(from: index.annotations) ?? name
            walkIndex(index, data: data, path: path, name: indexName, platform: platform, depth: depth, stack: stack, state: &state)
        case .manifest(let manifest):
            let manifestName = name ?? imageName(from: manifest.annotations)
            state.images.append(image(from: manifest, data: data, path: path, digest: digest, name: manifestName, platform: platform, state: &state))
        }
    }

    private func image(from manifest: ImageManifest, data: Data, path: String, digest: Digest?, name: String?, platform: Platform?, state: inout State) -> Image {
        let commit = state.commit
        var image = Image(name: name, outputPath: state.output.path, manifestPath: path, manifestDigest: digest?.string, platform: platform,
                          repository: resolver.resolve(outputPath: state.output.path, name: name), commit: commit)
        func finding(_ rule: Rule, _ message: String, line: Int, digest: String? = nil) -> Finding {
            Finding(rule: rule, message: message, path: path, line: line, commit: commit, image: name, platform: platform?.description, digest: digest)
        }
        var layerDigests: [Digest] = []
        let descriptors = [(manifest.config, BlobRole.config)] + manifest.layers.map { ($0, BlobRole.layer) }
        for (descriptor, role) in descriptors {
            let line = LineLocator.line(of: descriptor.digest, in: data)
            let what = role == .config ? "config blob" : "layer"
            guard let blobDigest = descriptor.validDigest else {
                image.findings.append(finding(.layerInvalid, "\(what) has an invalid digest \(descriptor.digest.debugQuoted)", line: line))
                continue
            }
            guard descriptor.size >= 0 else {
                image.findings.append(finding(.manifestInvalid, "\(what) \(blobDigest) has a negative size \(descriptor.size)", line: line, digest: blobDigest.string))
                continue
            }
            let mediaType = descriptor.mediaType ?? ""
            if role == .layer && MediaType.isNonDistributable(mediaType) {
                image.findings.append(finding(.layerSkipped, "non-distributable layer \(blobDigest) (\(mediaType)) is never pushed to a registry; not checked",
                                              line: line, digest: blobDigest.string))
            }
            if role == .layer { layerDigests.append(blobDigest) }
            image.blobs.append(BlobRef(digest: blobDigest, size: descriptor.size, mediaType: mediaType, role: role, path: path, line: line))
        }
        if let config = manifest.config.validDigest, !layerDigests.isEmpty,
           case .file(let configData) = source.read(blobPath(state.output, config), limit: Int64(DocumentParser.maxDocumentSize)),
           let document = DocumentParser.parseConfig(configData), let diffIDs = document.rootfs?.diff_ids {
            let uncompressed = Set(diffIDs)
            let matching = layerDigests.filter { uncompressed.contains($0.string) }
            if let first = matching.first {
                image.findings.append(finding(.layerUncompressed,
                    "\(matching.count) of \(layerDigests.count) layers are stored uncompressed (their digests equal the config's rootfs.diff_ids, as classic `docker save` and nix write them); a registry stores compressed layers, so these digests cannot match it",
                    line: LineLocator.line(of: first.string, in: data), digest: first.string))
            }
        }
        if image.repository == nil {
            image.findings.append(finding(.imageUnmapped,
                "no repository for image \(name ?? state.output.path): add an io.containerd.image.name annotation (public.ecr.aws/<alias>/<repo>), an `images` entry in .verify-layers.yml, or --repository",
                line: 1))
        }
        return image
    }

    // MARK: - Helpers

    /// Checks a manifest/index blob against its descriptor; false when it must not be followed.
    private func verifyContent(_ data: Data, digest: Digest, size: Int64, path: String, referencedAt: String, line: Int, name: String?, state: inout State) -> Bool {
        if Int64(data.count) != size {
            state.findings.append(Finding(rule: .sizeMismatch, message: "\(digest) is \(data.count) bytes in the layout but \(size) in its descriptor",
                                          path: referencedAt, line: line, commit: state.commit, image: name, digest: digest.string))
        }
        if let actual = ContentDigest.compute(data, algorithm: digest.algorithm), actual != digest {
            state.findings.append(Finding(rule: .digestMismatch, message: "blob \(path) hashes to \(actual), not to the \(digest) that names it",
                                          path: referencedAt, line: line, commit: state.commit, image: name, digest: digest.string))
            return false
        }
        return true
    }

    private func readDocument(_ path: String, into state: inout State) -> Data? {
        switch source.read(path, limit: Int64(DocumentParser.maxDocumentSize)) {
        case .file(let data): return data
        case .missing: state.invalid("\(path) is missing", path: path)
        case .tooLarge(let size): state.invalid("\(path) is \(size) bytes, over the 4 MiB limit", path: path)
        case .notReadable(let why): state.invalid("\(path) cannot be read: \(why)", path: path)
        }
        return nil
    }

    private func imageName(from annotations: [String: String]?) -> String? {
        guard let annotations else { return nil }
        if let name = annotations[LayoutReader.nameAnnotation], !name.isEmpty { return name }
        if let ref = annotations[LayoutReader.refNameAnnotation], ref.contains("/") { return ref }
        return nil
    }

    func blobPath(_ output: ImageOutput, _ digest: Digest) -> String {
        switch output.kind {
        case .ociLayout: return join(output.path, "blobs/\(digest.algorithm)/\(digest.encoded)")
        case .skopeoDir: return join(output.path, digest.encoded)
        case .manifestFile:
            let dir = (output.path as NSString).deletingLastPathComponent
            return join(dir, "blobs/\(digest.algorithm)/\(digest.encoded)")
        }
    }

    private func join(_ dir: String, _ name: String) -> String {
        dir.isEmpty || dir == "." ? name : dir + "/" + name
    }

    /// Accumulates images and findings while one output is walked.
    struct State {
        let output: ImageOutput
        let commit: String
        var images: [Image] = []
        var findings: [Finding] = []

        mutating func invalid(_ message: String, path: String, line: Int = 1, name: String? = nil) {
            findings.append(Finding(rule: .manifestInvalid, message: message, path: path, line: line, commit: commit, image: name))
        }
    }
}
