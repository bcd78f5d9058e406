import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads an image output committed as a tar archive (plain or gzip, in git or Git LFS): one streaming pass indexes it, then
/// the OCI layout reader (`oci-archive:`, buildx `type=oci`, Docker 25+ `docker save`) or the docker archive reader walks
/// its members. Every finding is located at the archive's repo path and names the member in its message.
public struct ArchiveReader {
    let source: FileSource
    let resolver: RepositoryResolver
    let limits: ArchiveLimits

    public init(source: FileSource, resolver: RepositoryResolver, limits: ArchiveLimits = .standard) {
        self.source = source
        self.resolver = resolver
        self.limits = limits
    }

    /// True for names image tools give archives: `*.tar`, `*.tar.gz`, `*.tgz` (so `*.oci.tar`, `*.docker.tar` too).
    public static func hasArchiveName(_ name: String) -> Bool {
        // Every tree entry of a walk passes here: decide on the last byte before allocating anything.
        guard let last = name.utf8.last, last | 0x20 == UInt8(ascii: "r") || last | 0x20 == UInt8(ascii: "z") else {
            return false
        }
        let lower = name.lowercased()
        return lower.hasSuffix(".tar") || lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz")
    }

    public func read(_ output: ImageOutput) -> ScanResult {
        let archive = output.path
        var result = ScanResult()
        func fail(_ rule: Rule, _ message: String) -> ScanResult {
            result.findings.append(Finding(rule: rule, message: message, path: archive, commit: source.commit))
            result.candidates.append(OutputCandidate(path: archive, kind: "tar-archive", read: false, reason: message))
            return result
        }
        let stream: ByteStream
        switch source.openStream(archive) {
        case .stream(let opened): stream = opened
        case .missing: return fail(.manifestInvalid, "\(archive) is missing")
        case .notReadable(let why): return fail(.manifestInvalid, "\(archive) cannot be read: \(why)")
        case .lfsObjectMissing(let pointer):
            return fail(
                .lfsObjectMissing,
                "\(archive) is a Git LFS pointer (oid \(pointer.oid.short), \(pointer.size) bytes) and the object is not in the local LFS store; fetch it with `git lfs fetch --include=\"\(archive)\" origin \(source.commit)` (or `git lfs pull`; in CI, check out with LFS enabled)"
            )
        }
        let contents = ArchiveIndexer(limits: limits).index(stream, prefix: archive, commit: source.commit)
        let compression = contents.compressed ? "gzip-compressed tar" : "tar"
        switch contents.shape {
        case .notATar(let why):
            return fail(.outputSkipped, "\(archive) is named like a tar archive but is not one (\(why)); not read")
        case .notAnImage(let why):
            result.candidates.append(
                OutputCandidate(
                    path: archive, kind: "tar-archive", read: false,
                    reason: "a \(compression), not an image archive: \(why)"))
            return result
        case .tar:
            break
        }
        result.findings += findings(of: contents.problems, archive: archive)
        if contents.incomplete {
            result.candidates.append(
                OutputCandidate(
                    path: archive, kind: "tar-archive", read: false,
                    reason: "a \(compression) that could not be read to its end; no image read from it"))
            return result
        }
        let members = contents.source
        if let why = Self.unrelatedDocuments(members) ?? Self.nothingOfAnImage(members) {
            let reason = "a \(compression), not an image archive: \(why)"
            result.candidates.append(OutputCandidate(path: archive, kind: "tar-archive", read: false, reason: reason))
            return result
        }
        guard
            let part = readMembers(members, archive: archive, compression: compression, candidates: &result.candidates)
        else {
            return fail(
                .outputSkipped,
                "\(archive) is a \(compression) of \(members.memberCount) member(s) that looks like an image archive but holds no oci-layout, index.json or manifest.json; not read"
            )
        }
        result.findings += part.findings.map { relocate($0, archive: archive) }
        result.images += part.images.map { relocate($0, archive: archive) }
        return result
    }

    /// The problems met reading the archive, as findings at the archive (naming the member when there is one).
    private func findings(of problems: [ArchiveProblem], archive: String) -> [Finding] {
        problems.map { problem in
            let message =
                problem.member.map { "archive member \($0.debugQuoted): \(problem.message)" }
                ?? "\(archive) \(problem.message)"
            return Finding(rule: problem.rule, message: message, path: archive, commit: source.commit)
        }
    }

    /// Reads the archive's members with the reader for what they hold (an OCI layout, a skopeo dir, a docker archive);
    /// nil when they hold none of these.
    private func readMembers(
        _ members: ArchiveFileSource, archive: String, compression: String,
        candidates: inout [OutputCandidate]
    ) -> ScanResult? {
        var part: ScanResult
        let kind: String
        if members.contains("index.json") || members.contains("oci-layout") {
            let docker =
                members.contains("manifest.json") ? " (a Docker 25+ docker save: it also holds manifest.json)" : ""
            kind = "oci-archive"
            candidates.append(
                OutputCandidate(
                    path: archive, kind: kind, read: true, reason: "an OCI image layout as a \(compression)\(docker)"))
            part = OCILayoutFormat().images(
                of: ImageOutput(kind: .ociLayout, path: archive), in: members, resolver: resolver)
            if !docker.isEmpty { part.images = part.images.map { askOnlyCompressed($0, in: members) } }
        } else if members.contains("manifest.json") && members.contains("version") {
            kind = "skopeo-dir-archive"
            candidates.append(
                OutputCandidate(path: archive, kind: kind, read: true, reason: "a skopeo dir: as a \(compression)"))
            part = SkopeoDirFormat().images(
                of: ImageOutput(kind: .skopeoDir, path: archive), in: members, resolver: resolver)
        } else if members.contains("manifest.json") {
            kind = "docker-archive"
            candidates.append(
                OutputCandidate(
                    path: archive, kind: kind, read: true,
                    reason: "a docker archive (docker save, docker-archive:) as a \(compression)"))
            part = DockerArchiveReader(source: members, resolver: resolver).read()
        } else if let top = members.singleTopDirectory(),
            members.contains(top + "/index.json") && members.contains(top + "/oci-layout")
        {
            // `tar -cf app.tar app/`: the layout one directory down, as oras reads it. skopeo's oci-archive: reads
            // only a layout at the top, so no publish command is offered for it.
            kind = OutputKind.tarArchive.rawValue
            candidates.append(
                OutputCandidate(
                    path: archive, kind: "oci-archive", read: true,
                    reason: "an OCI image layout as a \(compression), in its directory \(top)/"))
            part = OCILayoutFormat().images(
                of: ImageOutput(kind: .ociLayout, path: archive + "/" + top), in: members, resolver: resolver)
        } else {
            return nil
        }
        part.images = part.images.map { Self.kind(kind, $0) }
        return part
    }

    /// Why an archive whose `manifest.json` / `index.json` are of another kind (a web app's manifest, a site's index),
    /// beside files no image archive holds, is no image archive; nil when it may be one. An OCI archive holds
    /// `oci-layout`, a docker archive's `manifest.json` is an array, an image manifest or index says `schemaVersion`,
    /// `mediaType`, `manifests`, `config` or `layers`.
    static func unrelatedDocuments(_ members: ArchiveFileSource) -> String? {
        guard !members.contains("oci-layout") else { return nil }
        let documents = ["manifest.json", "index.json"].filter { members.contains($0) }
        guard !documents.isEmpty else { return nil }
        // The member names first: a real image archive holds no other file, and is then not read twice (its
        // documents are read and parsed again when the archive is read).
        let foreign = members.containsMember {
            !ArchiveIndexer.isMarker($0) && !ArchiveIndexer.isImageMember($0)
        }
        guard foreign else { return nil }
        for name in documents {
            let lookup = members.read(members.root + "/" + name, limit: Int64(DocumentParser.maxDocumentSize))
            guard case .file(let data) = lookup, !isImageShaped(data, docker: name == "manifest.json") else {
                return nil
            }
        }
        return "its \(documents.joined(separator: " and ")) \(documents.count == 1 ? "is" : "are") no image "
            + "manifest, index or docker save list, and it holds files no image archive does"
    }

    /// Why an archive with no `oci-layout`, `index.json` or `manifest.json`, and no member an image archive holds (a
    /// small source tarball, an npm package), is no image archive; nil when some member is an image's (`blobs/…`,
    /// `<hex>.json`, a layout one directory down).
    static func nothingOfAnImage(_ members: ArchiveFileSource) -> String? {
        // An empty tar is still said to hold nothing: it is where a failed export left an image archive.
        guard members.memberCount > 0, !ArchiveIndexer.markers.contains(where: { members.contains($0) }) else {
            return nil
        }
        let imageLike = members.containsMember { name in
            let below = name.firstIndex(of: "/").map { String(name[name.index(after: $0)...]) } ?? name
            return ArchiveIndexer.isImageMember(name) || ArchiveIndexer.isImageMember(below)
                || ArchiveIndexer.isMarker(below)
        }
        return imageLike ? nil : "none of its \(members.memberCount) member(s) is an image archive's"
    }

    /// An array (docker save's list, in `manifest.json`), or an object with an image manifest's or index's fields.
    private static func isImageShaped(_ data: Data, docker: Bool) -> Bool {
        switch try? JSONValue.parse(data) {
        case .array?: return docker
        case .object(let fields)?:
            return ["schemaVersion", "mediaType", "manifests", "config", "layers"].contains { fields[$0] != nil }
        default: return false
        }
    }

    /// Marks what the archive held, so a failed check names the skopeo transport that publishes it.
    static func kind(_ kind: String, _ image: Image) -> Image {
        var image = image
        image.outputKind = kind
        return image
    }

    /// A Docker 25+ `docker save` archive is an OCI layout whose layers are stored uncompressed (named by the config's
    /// `diff_ids`): as for classic docker archives, those layers are not asked about — only the config blob (and any layer
    /// that is compressed) — and the image is marked so a manifest check can match it by its config.
    func askOnlyCompressed(_ image: Image, in members: ArchiveFileSource) -> Image {
        guard let config = image.blobs.first(where: { $0.role == .config }),
            case .file(let data) = members.read(
                members.root + "/blobs/\(config.digest.algorithm)/\(config.digest.encoded)",
                limit: Int64(DocumentParser.maxDocumentSize)),
            let diffIDs = DocumentParser.parseConfig(data)?.rootfs?.diff_ids
        else { return image }
        let uncompressed = Set(diffIDs)
        var image = image
        let before = image.blobs.count
        // An attestation's in-toto blob is its own diff_id and is pushed as it is: still asked about.
        image.blobs.removeAll {
            $0.role == .layer && uncompressed.contains($0.digest.string) && MediaType.isFilesystemLayer($0.mediaType)
        }
        guard image.blobs.count < before else { return image }
        image.layersUncompressed = true
        image.findings = image.findings.map { finding in
            guard finding.rule == .layerUncompressed else { return finding }
            var finding = finding
            finding.message +=
                "; this is a docker save archive, so only its config blob \(config.digest) (and any compressed layer) is checked"
            return finding
        }
        return image
    }

    /// A finding about a member: located at the archive, the member (and line inside it) named in the message.
    func relocate(_ finding: Finding, archive: String) -> Finding {
        var finding = finding
        finding.message = finding.message.replacing(archive + "/", with: "")
        guard finding.path.hasPrefix(archive + "/") else { return finding }
        let member = String(finding.path.dropFirst(archive.count + 1))
        finding.message += " (archive member \(member)\(finding.line > 1 ? ", line \(finding.line)" : ""))"
        finding.path = archive
        finding.line = 1
        return finding
    }

    func relocate(_ image: Image, archive: String) -> Image {
        var image = image
        image.findings = image.findings.map { relocate($0, archive: archive) }
        if image.manifestPath.hasPrefix(archive + "/") { image.manifestPath = archive }
        // An index entry inside the archive is located at the archive, as every member's finding is.
        for (digest, mention) in image.mentions where mention.path.hasPrefix(archive + "/") {
            image.mentions[digest] = DigestMention(path: archive, line: 1)
        }
        // A layout one directory down in the archive is still the archive's output.
        if image.outputPath.hasPrefix(archive + "/") { image.outputPath = archive }
        image.blobs = image.blobs.map { blob in
            guard blob.path.hasPrefix(archive + "/") else { return blob }
            var blob = blob
            let member = String(blob.path.dropFirst(archive.count + 1))
            blob.member = "archive member \(member)\(blob.line > 1 ? ", line \(blob.line)" : "")"
            blob.path = archive
            blob.line = 1
            return blob
        }
        return image
    }
}
