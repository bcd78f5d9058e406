import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reading an output's documents: the top document, the manifests and indexes index entries name (checked against
/// their descriptors), configs, and where blobs and documents lie.
extension LayoutReader {
    /// Where a finding about a referenced document points: the referencing file and the line of the digest in it.
    struct Reference {
        var path: String
        var line: Int
        var name: String?
        var platform: Platform?
    }

    /// Reads a manifest/index an index entry names; nil (with a finding, unless `optional` and simply absent) when it cannot be.
    func readChild(_ digest: Digest, reference: Reference, optional: Bool, state: inout State) -> (
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
            // A standalone index has no layout: its children are simply not committed where they would be looked for.
            let absent =
                state.output.kind == .manifestFile ? "is not committed beside this file" : "is not in the layout"
            state.add(
                .blobMissing,
                "manifest \(digest) referenced here \(absent) (\(lastPath)); its image cannot be checked",
                reference: reference, digest: digest.string)
        }
        return nil
    }

    func readDocument(_ path: String, state: inout State) -> Data? {
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
    func readConfig(_ descriptor: Descriptor, state: inout State) -> ImageConfigDocument? {
        guard let digest = descriptor.validDigest, !descriptor.isEmptyDescriptor, descriptor.size >= 0,
            descriptor.size <= Int64(DocumentParser.maxDocumentSize)
        else { return nil }
        if let known = state.configs[digest] { return known }
        var config: ImageConfigDocument?
        let path = blobPath(digest, in: state)
        switch source.read(path, limit: Int64(DocumentParser.maxDocumentSize), within: state.root) {
        case .file(let data):
            config = DocumentParser.parseConfig(data)
        case .lfsObjectMissing(let pointer):
            // Unlike a layer's, a config's content is read (platform, `rootfs.diff_ids`): without it the image cannot be
            // judged whole, so a checkout without LFS must not pass in silence (SPEC §3).
            state.lfsMissing(pointer, path: path, name: nil, platform: nil, digest: digest.string)
        case .missing, .tooLarge, .notReadable:
            break
        }
        state.configs[digest] = .some(config)
        return config
    }

    /// Checks a manifest/index blob against its descriptor; false when it must not be followed (its content is not what was named).
    func verifyDocument(
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

    // MARK: - Paths

    /// Where a config/layer blob lives; built only from a validated digest.
    func blobPath(_ digest: Digest, in state: State) -> String {
        format.blobPath(of: digest, root: state.root)
    }

    /// Where a manifest/index named by an index may live, in the order tried.
    func documentPaths(_ digest: Digest, in state: State) -> [String] {
        format.documentPaths(of: digest, root: state.root)
    }
}
