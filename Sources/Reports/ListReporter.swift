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
        _ scan: ScanResult, json: Bool, quiet: Bool = false, verbose: Bool = false, exitCode: Int32 = 0
    ) -> String {
        let entries = scan.images.map {
            Entry(
                image: $0.name, refName: $0.refName, path: $0.outputPath, manifest: $0.manifestPath,
                manifestDigest: $0.manifestDigest,
                platform: $0.platform?.description, repository: $0.repository?.description, blobs: $0.blobs,
                layersUncompressed: $0.layersUncompressed)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let findings = scan.findings + scan.images.flatMap(\.findings)
            let listing = Listing(
                findings: findings, images: entries, summary: summary(scan, exitCode: exitCode),
                candidates: scan.candidates)
            guard let data = try? encoder.encode(listing) else { return "{}\n" }
            return String(decoding: data, as: UTF8.self) + "\n"
        }
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
                "\(indent)\(finding.severity.rawValue): \(TerminalText.sanitize(finding.message)) [\(finding.rule.rawValue)]\n"
            out += "\(indent)  at \(TerminalText.sanitize(finding.path)):\(finding.line)\n"
        }
        for (image, entry) in zip(scan.images, entries) {
            out += TerminalText.line(image.label) + "\n"
            out += "  output:     \(TerminalText.sanitize(entry.path))\n"
            out += "  manifest:   \(TerminalText.sanitize(entry.manifest))\n"
            out += "  repository: \(TerminalText.sanitize(entry.repository ?? "(unmapped)"))\n"
            if entry.layersUncompressed {
                // A docker archive may hold compressed layers too (listed below, and checked).
                let checked =
                    entry.blobs.contains { $0.role == .layer }
                    ? "only the config blob and the compressed layers listed can be checked"
                    : "only the config blob can be checked"
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
