import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads a docker archive (`docker save`, `skopeo copy … docker-archive:`): `manifest.json` lists `Config`, `RepoTags` and
/// `Layers` per image. Layers stored uncompressed (hashing to the config's `diff_ids`) are not what a registry holds: only
/// the config blob (whose digest survives a push) is asked about for them, and `layer-uncompressed` is said once per image.
/// Layers stored compressed and named by their digest (`<hex>.tar.gz`, as go-containerregistry's `tarball.Write` for
/// crane, ko and kaniko writes them) are the registry's blobs, and are asked about like any layer.
public struct DockerArchiveReader {
    let source: ArchiveFileSource
    let resolver: RepositoryResolver

    public init(source: ArchiveFileSource, resolver: RepositoryResolver) {
        self.source = source
        self.resolver = resolver
    }

    /// One `manifest.json` entry.
    struct Entry {
        var config: String
        var repoTags: [String]
        var layers: [String]
    }

    public func read() -> ScanResult {
        var result = ScanResult()
        let archive = source.root
        let commit = source.commit
        func problem(_ rule: Rule, _ message: String, member: String = "manifest.json", digest: String? = nil)
            -> Finding
        {
            Finding(
                rule: rule, message: "\(message) (archive member \(member))", path: archive, commit: commit,
                digest: digest)
        }
        let entries: [Entry]
        switch source.read(join("manifest.json"), limit: Int64(DocumentParser.maxDocumentSize)) {
        case .file(let data):
            do {
                entries = try DockerArchiveReader.parse(data)
            } catch {
                result.findings.append(problem(.manifestInvalid, "\(error)"))
                return result
            }
        case .tooLarge(let size):
            result.findings.append(
                problem(.manifestInvalid, "manifest.json is \(size) bytes, over the 4 MiB limit; not read"))
            return result
        case .notReadable(let why):
            result.findings.append(problem(.manifestInvalid, "manifest.json cannot be read: \(why)"))
            return result
        case .missing, .lfsObjectMissing:
            result.findings.append(problem(.manifestInvalid, "manifest.json is missing"))
            return result
        }
        if entries.isEmpty {
            result.findings.append(
                problem(
                    .outputSkipped, "\(archive) holds no images: its manifest.json lists none; nothing in it is checked"
                ))
        }
        for (position, entry) in entries.enumerated() {
            result.images += images(entry, position: position, findings: &result.findings)
        }
        return result
    }

    /// The images of one entry: one per `RepoTags` reference (one unnamed image when there are none).
    private func images(_ entry: Entry, position: Int, findings: inout [Finding]) -> [Image] {
        let at = "manifest.json[\(position)]"
        guard let (configName, configData) = readConfig(entry, at: at, findings: &findings),
            let digest = ContentDigest.compute(configData, algorithm: "sha256")
        else { return [] }
        let config = DocumentParser.parseConfig(configData)
        var local = configProblems(config, named: configName, digest: digest, entry: entry, at: at)
        let layers = readLayers(entry, diffIDs: config?.rootfs?.diff_ids ?? [], at: at)
        local += layers.findings
        var platform: Platform?
        if let os = config?.os, let architecture = config?.architecture, !os.isEmpty, !architecture.isEmpty {
            platform = Platform(os: os, architecture: architecture, variant: config?.variant)
        }
        let configBlob = BlobRef(
            digest: digest, size: Int64(configData.count), mediaType: MediaType.dockerConfig, role: .config,
            path: source.root, line: 1, member: "archive member \(configName), named by \(at)")
        return namingTags(entry.repoTags).map { tag in
            image(
                tag: tag, platform: platform, blobs: [configBlob] + layers.compressed,
                uncompressed: entry.layers.count - layers.compressed.count, local: local)
        }
    }

    /// The tags an entry's images are named by: one image per `RepoTags` reference (one unnamed image when there are
    /// none), less the local names (`docker save myapp public.ecr.aws/a/app:1` writes both on one entry) when another of
    /// its tags maps the image: the image is checked under that one, and its local name is not an unmapped image.
    private func namingTags(_ repoTags: [String]) -> [String?] {
        guard !repoTags.isEmpty else { return [nil] }
        let mapped = repoTags.filter { resolver.resolve(outputPath: source.root, name: $0) != nil }
        guard !mapped.isEmpty else { return repoTags }
        // A malformed public.ecr.aws name is kept: its image-unmapped finding says what is wrong with it.
        return repoTags.filter { mapped.contains($0) || $0.hasPrefix(ImageReference.host + "/") }
    }

    /// A finding about an archive member, located at the archive.
    private func problem(_ rule: Rule, _ message: String, member: String, digest: String? = nil) -> Finding {
        Finding(
            rule: rule, message: "\(message) (archive member \(member))", path: source.root, commit: source.commit,
            digest: digest)
    }

    /// The config member an entry names and its content; nil (with a finding) when it cannot be read.
    private func readConfig(_ entry: Entry, at: String, findings: inout [Finding]) -> (String, Data)? {
        guard let configName = ArchiveIndexer.normalise(entry.config), !configName.isEmpty else {
            findings.append(
                problem(
                    .manifestInvalid,
                    "\(at).Config \(entry.config.debugQuoted) is absolute or climbs out of the archive; not read",
                    member: "manifest.json"))
            return nil
        }
        switch source.read(join(configName), limit: Int64(DocumentParser.maxDocumentSize)) {
        case .file(let data):
            return (configName, data)
        case .missing, .lfsObjectMissing:
            findings.append(
                problem(
                    .manifestInvalid,
                    "the config \(configName.debugQuoted) named by \(at) is not in the archive; its image cannot be checked",
                    member: "manifest.json"))
        case .tooLarge(let size):
            findings.append(
                problem(
                    .manifestInvalid, "the config is \(size) bytes, over the 4 MiB limit; not read", member: configName)
            )
        case .notReadable(let why):
            findings.append(problem(.manifestInvalid, "the config cannot be read: \(why)", member: configName))
        }
        return nil
    }

    /// What is wrong with the config itself: its name's digest, its shape, its `diff_ids` count.
    private func configProblems(
        _ config: ImageConfigDocument?, named configName: String, digest: Digest, entry: Entry,
        at: String
    ) -> [Finding] {
        var local: [Finding] = []
        if let named = DockerArchiveReader.namedDigest(configName), named != digest {
            local.append(
                problem(
                    .digestMismatch, "the config is named for \(named) but hashes to \(digest)", member: configName,
                    digest: digest.string))
        }
        guard let config else {
            local.append(
                problem(
                    .manifestInvalid, "the config is not an image config (JSON object with rootfs, os, architecture)",
                    member: configName, digest: digest.string))
            return local
        }
        let diffIDs = config.rootfs?.diff_ids ?? []
        if diffIDs.count != entry.layers.count {
            local.append(
                problem(
                    .manifestInvalid,
                    "\(at) lists \(entry.layers.count) layers but the config's rootfs.diff_ids has \(diffIDs.count)",
                    member: "manifest.json", digest: digest.string))
        }
        return local
    }

    /// Each layer member: present, readable, and hashing to its `diff_ids` entry (stored uncompressed) or to the digest
    /// its name gives (stored compressed: a blob to ask about, returned in `compressed`).
    private func readLayers(_ entry: Entry, diffIDs: [String], at: String) -> (
        findings: [Finding], compressed: [BlobRef]
    ) {
        var local: [Finding] = []
        var compressed: [BlobRef] = []
        for (index, layer) in entry.layers.enumerated() {
            guard let name = ArchiveIndexer.normalise(layer), !name.isEmpty else {
                local.append(
                    problem(
                        .manifestInvalid,
                        "\(at).Layers[\(index)] \(layer.debugQuoted) is absolute or climbs out of the archive; not read",
                        member: "manifest.json"))
                continue
            }
            switch source.probe(join(name), algorithm: "sha256", within: source.root) {
            case .missing:
                local.append(
                    problem(
                        .manifestInvalid, "layer \(index + 1) \(name.debugQuoted) named by \(at) is not in the archive",
                        member: "manifest.json"))
            case .notReadable(let why):
                local.append(problem(.manifestInvalid, "layer \(index + 1) cannot be read: \(why)", member: name))
            case .lfsPointer:
                break  // Not produced by an archive source.
            case .content(let size, let actual):
                guard index < diffIDs.count, let actual, actual.string != diffIDs[index] else { continue }
                if DockerArchiveReader.layerNamedDigest(name) == actual {
                    compressed.append(
                        BlobRef(
                            digest: actual, size: size, mediaType: "", role: .layer, path: source.root, line: 1,
                            member: "archive member \(name), named by \(at)"))
                    continue
                }
                local.append(
                    problem(
                        .digestMismatch,
                        "layer \(index + 1) hashes to \(actual) but the config's rootfs.diff_ids[\(index)] is \(diffIDs[index])",
                        member: name, digest: actual.string))
            }
        }
        return (local, compressed)
    }

    /// The digest a layer member's name claims: `<hex>.tar.gz` (go-containerregistry), `<hex>.tar`, `blobs/sha256/<hex>`,
    /// `sha256:<hex>`; nil when the name is no digest.
    static func layerNamedDigest(_ name: String) -> Digest? {
        var last = Substring(name.split(separator: "/").last ?? Substring(name))
        if last.hasPrefix("sha256:") { last = last.dropFirst(7) }
        return Digest("sha256:" + (last.split(separator: ".", maxSplits: 1).first ?? last))
    }

    /// One image of an entry, under one of its tags: its config blob and its compressed layers are asked about.
    private func image(tag: String?, platform: Platform?, blobs: [BlobRef], uncompressed: Int, local: [Finding])
        -> Image
    {
        let config = blobs[0]
        let archive = source.root
        let commit = source.commit
        let repository = resolver.resolve(outputPath: archive, name: tag)
        var image = Image(
            name: tag, outputPath: archive, manifestPath: archive, manifestDigest: nil, platform: platform,
            repository: repository, commit: commit)
        image.refName = tag.map(DockerArchiveReader.tag(of:))
        image.layersUncompressed = uncompressed > 0
        image.blobs = blobs
        func finding(_ rule: Rule, _ message: String, digest: String? = nil) -> Finding {
            Finding(
                rule: rule, message: message, path: archive, commit: commit, image: tag,
                platform: platform?.description, digest: digest,
                repository: repository?.description)
        }
        image.findings = local.map { found in
            var copy = found
            copy.image = tag
            copy.platform = platform?.description
            copy.repository = repository?.description
            return copy
        }
        if uncompressed > 0 {
            let alsoCompressed = blobs.count > 1 ? " (and its \(blobs.count - 1) compressed layer(s))" : ""
            image.findings.append(
                finding(
                    .layerUncompressed,
                    "docker archive: its \(uncompressed) layer(s) are stored uncompressed (named by the config's rootfs.diff_ids), so their digests cannot match a registry's compressed layers and they are not asked about; only the config blob \(config.digest)\(alsoCompressed) can be checked, as its digest survives a push (archive member manifest.json)",
                    digest: config.digest.string))
        }
        if repository == nil {
            image.findings.append(
                finding(
                    .imageUnmapped,
                    "no repository for image \(tag ?? archive): give it a RepoTags entry public.ecr.aws/<alias>/<repo>:<tag>, an `images` entry in .verify-layers.yml (or `exclude:` it there), or --repository; nothing of it is checked until then"
                ))
        }
        return image
    }

    private func join(_ name: String) -> String {
        source.root.isEmpty ? name : source.root + "/" + name
    }

    /// The tag of a reference (`public.ecr.aws/a/app:v1` → `v1`); the reference itself when it has none.
    static func tag(of reference: String) -> String {
        var rest = Substring(reference)
        if let at = rest.firstIndex(of: "@") { return String(rest[rest.index(after: at)...]) }
        let afterSlash = rest.lastIndex(of: "/").map { rest.index(after: $0) } ?? rest.startIndex
        rest = rest[afterSlash...]
        if let colon = rest.lastIndex(of: ":") { return String(rest[rest.index(after: colon)...]) }
        return reference
    }

    /// The digest a member's name claims (`<hex>.json`, `blobs/sha256/<hex>`), if any.
    static func namedDigest(_ name: String) -> Digest? {
        let last = name.split(separator: "/").last.map(String.init) ?? name
        let stem = last.hasSuffix(".json") ? String(last.dropLast(5)) : last
        return Digest("sha256:" + stem)
    }

    /// True when a document is a docker archive's `manifest.json` (a JSON array of objects with `Config` and `Layers`).
    public static func isDockerManifestList(_ data: Data) -> Bool {
        guard data.drop(while: { $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }).first == UInt8(ascii: "["),
            let items = (try? JSONValue.parse(data))?.arrayValue, let first = items.first?.objectValue
        else { return false }
        return first["Config"] != nil && first["Layers"] != nil
    }

    /// `manifest.json`: an array of `{Config, RepoTags, Layers}`; any other shape is refused with what was wrong.
    static func parse(_ data: Data) throws -> [Entry] {
        let root: JSONValue
        do {
            root = try JSONValue.parse(data)
        } catch {
            throw DocumentParser.Failure("manifest.json: malformed JSON: \(String(describing: error).prefix(200))")
        }
        guard let items = root.arrayValue else {
            throw DocumentParser.Failure(
                "manifest.json: expected an array of {Config, RepoTags, Layers} as docker save writes")
        }
        return try items.enumerated().map { index, item in
            let at = "manifest.json[\(index)]"
            guard let object = item.objectValue else { throw DocumentParser.Failure("\(at): expected an object") }
            guard let config = object["Config"]?.stringValue else {
                throw DocumentParser.Failure("\(at).Config: required String is missing")
            }
            var tags: [String] = []
            if let value = object["RepoTags"], value != .null {
                guard let array = value.arrayValue else {
                    throw DocumentParser.Failure("\(at).RepoTags: expected Array<String>")
                }
                tags = try array.map {
                    guard let text = $0.stringValue else {
                        throw DocumentParser.Failure("\(at).RepoTags: expected Array<String>")
                    }
                    return text
                }
            }
            guard let layerValues = object["Layers"]?.arrayValue else {
                throw DocumentParser.Failure("\(at).Layers: required Array<String> is missing")
            }
            let layers = try layerValues.map {
                guard let text = $0.stringValue else {
                    throw DocumentParser.Failure("\(at).Layers: expected Array<String>")
                }
                return text
            }
            return Entry(config: config, repoTags: tags, layers: layers)
        }
    }
}
