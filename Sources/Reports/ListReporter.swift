import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `list`'s reporter: what would be checked, text for people, JSON for scripts (the same envelope as `check --format json`:
/// `version`, `findings`, `images`, `summary`, plus the candidates considered). It reports a scan — nothing was asked —
/// so it takes the `ScanResult` instead of a `RunReport`, and sanitises what it prints as the other reporters do.
public enum ListReporter {
    struct Entry: Codable {
        var image: String?
        var refName: String?
        var path: String
        var manifest: String
        var manifestDigest: String?
        var platform: String?
        var repository: String?
        var blobs: [BlobRef]
        /// Only a docker archive's config blob is asked about: its layers are stored uncompressed.
        var layersUncompressed: Bool
        // The keys `check --format json` gives an image too, so a script reads both envelopes alike (`image` and
        // `manifest` stay for scripts written against `list`).
        var name: String?
        var label: String
        var manifestPath: String
        var indexDigests: [String]
        var commit: String
        /// Findings by severity that this image shows, as `check` attributes them (its own and its output's).
        var errors = 0
        var warnings = 0
        var notices = 0

        init(_ image: Image) {
            self.image = image.name
            refName = image.refName
            path = image.outputPath
            manifest = image.manifestPath
            manifestDigest = image.manifestDigest
            platform = image.platform?.description
            repository = image.repository?.description
            blobs = image.blobs
            layersUncompressed = image.layersUncompressed
            name = image.name
            label = image.label
            manifestPath = image.manifestPath
            indexDigests = image.indexDigests
            commit = image.commit
        }
    }

    /// Every image as an entry, with the counts of the findings it shows (`findings` in the listing's order: the
    /// run-wide ones, then each image's own).
    static func entries(_ scan: ScanResult, findings: [Finding]) -> [Entry] {
        var entries = scan.images.map(Entry.init)
        let results = scan.images.map { image in
            ImageResult(
                name: image.name, path: image.outputPath, manifestPath: image.manifestPath,
                manifestDigest: image.manifestDigest, platform: image.platform?.description,
                repository: image.repository?.description, commit: image.commit,
                blobs: image.blobs.map {
                    BlobResult(
                        digest: $0.digest, size: $0.size, mediaType: $0.mediaType, role: $0.role, status: .unverified)
                }, errors: 0, warnings: 0, notices: 0, refName: image.refName, indexDigests: image.indexDigests)
        }
        var owners = [[Int]](repeating: [], count: scan.findings.count)
        for (position, image) in scan.images.enumerated() {
            owners += repeatElement([position], count: image.findings.count)
        }
        for (position, shown) in Attribution.compute(findings: findings, images: results, owners: owners).enumerated() {
            entries[position].errors = shown.filter { findings[$0].severity == .error }.count
            entries[position].warnings = shown.filter { findings[$0].severity == .warning }.count
            entries[position].notices = shown.filter { findings[$0].severity == .notice }.count
        }
        return entries
    }

    /// The same envelope as `check --format json` (`version`, `findings`, `images`, `summary`), plus what was considered.
    struct Listing: Codable {
        var version = 1
        var findings: [Finding]
        var images: [Entry]
        var summary: Summary
        var candidates: [OutputCandidate]
    }

    /// 1 when reading found an error (or, under `strict`, a warning), as `check` would before asking the service.
    public static func exitCode(_ scan: ScanResult, strict: Bool) -> Int32 {
        let failing = (scan.findings + scan.images.flatMap(\.findings)).contains {
            $0.severity == .error || (strict && $0.severity == .warning)
        }
        return failing ? 1 : 0
    }

    /// Totals in the `check` summary's shape: what would be asked about (nothing is, offline) and the findings by severity.
    static func summary(_ scan: ScanResult, exitCode: Int32) -> Summary {
        var summary = Summary()
        summary.images = scan.images.count
        // Distinct per repository, as `check` asks: digests held inline (33 bytes), not as interpolated strings.
        var seen: [RepositoryRef?: Set<Digest>] = [:]
        for image in scan.images {
            for blob in image.blobs {
                if MediaType.isNonDistributable(blob.mediaType) { summary.skipped += 1; continue }
                if seen[image.repository, default: []].insert(blob.digest).inserted { summary.layers += 1 }
            }
        }
        summary.unverified = summary.layers
        summary.count(scan.findings + scan.images.flatMap(\.findings))
        summary.exitCode = exitCode
        return summary
    }

    public static func render(
        _ scan: ScanResult, json: Bool, quiet: Bool = false, verbose: Bool = false, exitCode: Int32 = 0,
        style: Style = Style(enabled: false)
    ) -> String {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let findings = scan.findings + scan.images.flatMap(\.findings)
            let listing = Listing(
                findings: findings, images: entries(scan, findings: findings),
                summary: summary(scan, exitCode: exitCode),
                candidates: scan.candidates)
            guard let data = try? encoder.encode(listing) else { return "{}\n" }
            return String(decoding: data, as: UTF8.self) + "\n"
        }
        let entries = scan.images.map(Entry.init)
        var out = ""
        if verbose {
            out += "candidates considered:\n"
            for candidate in scan.candidates {
                out +=
                    "  \(candidate.read ? "read   " : "skipped") \(TerminalText.sanitize(candidate.path)) [\(candidate.kind)]: \(TerminalText.sanitize(candidate.reason))\n"
            }
            if scan.candidates.isEmpty { out += "  (none)\n" }
        }
        func show(_ finding: Finding, indent: String) {
            if quiet && finding.severity == .notice { return }
            out +=
                "\(indent)\(style.severity(finding.severity)) \(TerminalText.sanitize(finding.message)) [\(finding.rule.rawValue)]\n"
            out += "\(indent)  at \(TerminalText.sanitize(finding.path)):\(finding.line)\n"
        }
        for (image, entry) in zip(scan.images, entries) {
            out += TerminalText.line(image.label) + "\n"
            out += "  output:     \(TerminalText.sanitize(entry.path))\n"
            out += "  manifest:   \(TerminalText.sanitize(entry.manifest))\n"
            out += "  repository: \(TerminalText.sanitize(entry.repository ?? "(unmapped)"))\n"
            if entry.layersUncompressed {
                // A docker archive may hold compressed layers too (listed below, and checked).
                // Without `check-config-blob` the config is not listed, and may leave nothing to check.
                let config = entry.blobs.contains { $0.role == .config }
                let layers = entry.blobs.contains { $0.role == .layer }
                let checked: String
                switch (config, layers) {
                case (true, true): checked = "only the config blob and the compressed layers listed can be checked"
                case (true, false): checked = "only the config blob can be checked"
                case (false, true):
                    checked = "only the compressed layers listed can be checked (check-config-blob is off)"
                case (false, false): checked = "nothing can be checked (check-config-blob is off)"
                }
                out += "  layers:     stored uncompressed (docker archive): \(checked)\n"
            }
            for blob in entry.blobs {
                let skipped = MediaType.isNonDistributable(blob.mediaType) ? " (non-distributable, not checked)" : ""
                out += "  \(blob.role == .config ? "config" : "layer ") \(blob.digest) \(blob.size) bytes\(skipped)\n"
            }
            image.findings.forEach { show($0, indent: "  ") }
        }
        if !scan.findings.isEmpty {
            out += "problems outside any image:\n"
            scan.findings.forEach { show($0, indent: "  ") }
        }
        let all = scan.findings + scan.images.flatMap(\.findings)
        let errors = all.filter { $0.severity == .error }.count
        let warnings = all.filter { $0.severity == .warning }.count
        // The distinct blobs `check` would ask about, as the JSON summary's `layers` counts them (not every reference).
        let distinct = summary(scan, exitCode: exitCode).layers
        out += "\(entries.count) image(s), \(distinct) blob(s), \(errors) error(s), \(warnings) warning(s)\n"
        return out
    }
}
