import ImageModel

/// What the reader keeps while it walks one output: what was visited and parsed, memos, budgets, and the findings.
extension LayoutReader {
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
