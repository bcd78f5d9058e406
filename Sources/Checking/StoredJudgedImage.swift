import ImageModel

/// A judged image as it waits in the run's scratch file (`HeldImages`, past `judgedKeptInMemory`): everything
/// `JudgedImage` holds, in the scratch file's binary form (`SpillWriter`), field by field. Only an image without rows in
/// memory is stored (its rows, if a report shows them, are in the same file already, named here by where they are).
/// Binary rather than JSON: JSON cost ~135 µs an image and 0.7 MiB of the encoder's code made resident in a 200k check.
/// `StoredJudgedImagesTests` round-trips a value of every type with every field set, so a field added to `Image`,
/// `Finding` or `BlobRef` and not written here fails it.
enum StoredJudgedImage {
    /// Written first: a record of another layout is refused.
    static let version: UInt32 = 1

    /// The bytes stored in `spill` for `judged`; nil when it keeps rows in memory (a run that keeps rows keeps its
    /// images too) or wrote them to another file.
    static func bytes(of judged: JudgedImage, in spill: any BlobRowSpill) -> [UInt8]? {
        guard !judged.keepsRows, judged.blobs.isEmpty, judged.spilled.map({ $0.spill === spill }) ?? true else {
            return nil
        }
        var out = SpillWriter(capacity: 1024)
        out.word(version)
        out.image(judged.image)
        for count in [
            judged.tally.available, judged.tally.cached, judged.tally.unavailable, judged.tally.invalid,
            judged.tally.unverified, judged.tally.skipped,
        ] {
            out.int(count)
        }
        out.optional(judged.spilled) { out, rows in
            out.long(UInt64(bitPattern: rows.offset))
            out.int(rows.length)
            out.int(rows.count)
        }
        out.list(judged.namedDigests) { $0.text($1) }
        out.list(judged.blobFindings) { $0.finding($1) }
        out.list(judged.failures) { out, failure in
            out.text(failure.kind.rawValue)
            out.text(failure.message)
            out.int(failure.count)
            out.blob(failure.blob)
        }
        out.list(judged.mismatchedKeys) { $0.int($1) }
        return out.bytes
    }

    /// The judged image `bytes(of:in:)` wrote, its rows (if any were written) in `spill`; nil when `bytes` are not such
    /// a record.
    static func judged(from bytes: [UInt8], spill: any BlobRowSpill) -> JudgedImage? {
        var input = SpillReader(bytes: bytes)
        guard input.word() == version, let image = input.image() else { return nil }
        var tally = BlobTally()
        guard let available = input.int(), let cached = input.int(), let unavailable = input.int(),
            let invalid = input.int(), let unverified = input.int(), let skipped = input.int()
        else { return nil }
        (tally.available, tally.cached, tally.unavailable) = (available, cached, unavailable)
        (tally.invalid, tally.unverified, tally.skipped) = (invalid, unverified, skipped)
        guard
            let spilled = input.optional({ input -> SpilledRows? in
                guard let offset = input.long(), let length = input.int(), let count = input.int() else { return nil }
                return SpilledRows(spill: spill, offset: Int64(bitPattern: offset), length: length, count: count)
            }),
            let named = input.list(minimumSize: 4, { $0.text() }),
            let findings = input.list(minimumSize: 40, { $0.finding() }),
            let failures = input.list(
                minimumSize: 40,
                { input -> (kind: BatchFailure.Kind, message: String, count: Int, blob: BlobRef)? in
                    guard let kind = input.text().flatMap(BatchFailure.Kind.init(rawValue:)),
                        let message = input.text(), let count = input.int(), let blob = input.blob()
                    else { return nil }
                    return (kind, message, count, blob)
                }),
            let mismatched = input.list(minimumSize: 8, { $0.int() }), input.atEnd
        else { return nil }
        return JudgedImage(
            image: image, blobs: BlobResults(), tally: tally, keepsRows: false, spilled: spilled, namedDigests: named,
            blobFindings: findings, failures: failures, mismatchedKeys: mismatched)
    }
}

extension SpillWriter {
    fileprivate mutating func image(_ image: Image) {
        text(image.name)
        text(image.refName)
        list(image.indexDigests) { $0.text($1) }
        text(image.outputPath)
        text(image.manifestPath)
        text(image.manifestDigest)
        optional(image.platform) { out, platform in
            out.text(platform.os)
            out.text(platform.architecture)
            out.text(platform.variant)
        }
        optional(image.repository) { out, repository in
            out.text(repository.registryId)
            out.text(repository.repositoryName)
        }
        text(image.commit)
        list(image.blobs) { $0.blob($1) }
        list(image.findings) { $0.finding($1) }
        flag(image.layersUncompressed)
        text(image.outputKind)
        list(image.mentions.sorted { $0.key < $1.key }) { out, mention in
            out.text(mention.key)
            out.text(mention.value.path)
            out.int(mention.value.line)
        }
    }

    fileprivate mutating func blob(_ blob: BlobRef) {
        text(blob.digest.string)
        int(Int(blob.size))
        text(blob.mediaType)
        text(blob.role.rawValue)
        text(blob.path)
        int(blob.line)
        text(blob.member)
    }

    fileprivate mutating func finding(_ finding: Finding) {
        text(finding.rule.rawValue)
        text(finding.severity.rawValue)
        text(finding.message)
        text(finding.path)
        int(finding.line)
        text(finding.commit)
        text(finding.image)
        text(finding.platform)
        text(finding.digest)
        text(finding.repository)
    }
}

extension SpillReader {
    fileprivate mutating func image() -> Image? {
        guard let name = optionalText(), let refName = optionalText(),
            let indexDigests = list(minimumSize: 4, { $0.text() }), let outputPath = text(),
            let manifestPath = text(), let manifestDigest = optionalText(),
            let platform = optional({ input -> Platform? in
                guard let os = input.text(), let architecture = input.text(), let variant = input.optionalText()
                else { return nil }
                return Platform(os: os, architecture: architecture, variant: variant)
            }),
            let repository = optional({ input -> RepositoryRef? in
                guard let registryId = input.optionalText(), let name = input.text() else { return nil }
                return RepositoryRef(registryId: registryId, repositoryName: name)
            }),
            let commit = text(), let blobs = list(minimumSize: 40, { $0.blob() }),
            let findings = list(minimumSize: 40, { $0.finding() }), let layersUncompressed = flag(),
            let outputKind = optionalText(),
            let mentions = list(
                minimumSize: 16,
                { input -> (String, DigestMention)? in
                    guard let digest = input.text(), let path = input.text(), let line = input.int() else { return nil }
                    return (digest, DigestMention(path: path, line: line))
                })
        else { return nil }
        var image = Image(
            name: name, outputPath: outputPath, manifestPath: manifestPath, manifestDigest: manifestDigest,
            platform: platform, repository: repository, commit: commit, blobs: blobs, findings: findings)
        image.refName = refName
        image.indexDigests = indexDigests
        image.layersUncompressed = layersUncompressed
        image.outputKind = outputKind
        image.mentions = Dictionary(mentions, uniquingKeysWith: { first, _ in first })
        return image
    }

    fileprivate mutating func blob() -> BlobRef? {
        guard let digest = text().flatMap({ Digest($0) }), let size = int(), let mediaType = text(),
            let role = text().flatMap(BlobRole.init(rawValue:)), let path = text(), let line = int(),
            let member = optionalText()
        else { return nil }
        return BlobRef(
            digest: digest, size: Int64(size), mediaType: mediaType, role: role, path: path, line: line, member: member)
    }

    fileprivate mutating func finding() -> Finding? {
        guard let rule = text().flatMap(Rule.init(rawValue:)), let severity = text().flatMap(Severity.init(rawValue:)),
            let message = text(), let path = text(), let line = int(), let commit = text(), let image = optionalText(),
            let platform = optionalText(), let digest = optionalText(), let repository = optionalText()
        else { return nil }
        return Finding(
            rule: rule, severity: severity, message: message, path: path, line: line, commit: commit, image: image,
            platform: platform, digest: digest, repository: repository)
    }
}
