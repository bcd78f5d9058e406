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
    /// Levels of index nesting read (`index.json` the first), with the manifests the last names; deeper nesting is
    /// refused (SPEC §3).
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
            case .index(let index) where index.manifests.isEmpty:
                state.add(.outputSkipped, Self.holdsNoImages(output.path), path: indexPath)
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
            if DocumentParser.hasNullManifests(data) {
                state.add(.outputSkipped, Self.holdsNoImages(output.path), path: indexPath)
            } else {
                state.add(.manifestInvalid, "\(error)", path: indexPath, line: Self.line(of: error, in: data))
            }
        }
        return finish(state)
    }

    /// The line a document's parse error is at (the offending value, or the object missing a field); 1 when unknown.
    static func line(of error: any Error, in data: Data) -> Int {
        (error as? DocumentParser.Failure)?.line(in: data) ?? 1
    }

    /// An empty layout is read, and says so: nothing in it is checked.
    static func holdsNoImages(_ path: String) -> String {
        "\(path) holds no images: its index.json lists no manifests (an empty layout, as `umoci init` leaves it); "
            + "nothing in it is checked"
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
    /// An entry with a local name only (`latest`) for a manifest another entry names on ECR Public is no unmapped image
    /// of its own: that manifest is checked under the name that maps it (skopeo's `oci:out:latest` beside
    /// `oci:out:public.ecr.aws/a/app:1`).
    private func finish(_ state: State) -> ScanResult {
        let kind = state.output.kind.rawValue
        let mapped = Set(state.images.compactMap { $0.repository == nil ? nil : $0.manifestDigest })
        let images = state.images.filter { image in
            // A malformed public.ecr.aws name is kept: its image-unmapped finding says what is wrong with it.
            image.repository != nil || image.name?.hasPrefix(ImageReference.host + "/") == true
                || image.manifestDigest.map { !mapped.contains($0) } ?? true
        }
        var result = ScanResult(
            images: images.map { image in
                var image = image
                image.outputKind = image.outputKind ?? kind
                return image
            }, findings: state.findings)
        result.candidates.append(
            OutputCandidate(path: state.output.path, kind: kind, read: true, reason: format.reason))
        return result
    }
}
