import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageModel
import Reporters

/// `verify-layers list [<rev>]`: what would be checked, offline.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the images, repositories, platforms and layers that check would ask about (no network).",
        discussion: "Problems found while reading (invalid manifests, local digest mismatches, missing LFS objects, ...) are listed too; the exit code is 1 when one of them is an error (or a warning under `strict`)."
    )

    @Argument(help: "The revision whose tree to list.")
    var revision: String = "HEAD"

    @OptionGroup var options: SharedOptions

    func run() throws {
        try runReportingFailures {
            let context = try RunContext(options: options)
            let commit = try context.commit(revision)
            let config = try context.config(at: commit)
            let scan = try context.scanTree(commit, config: config)
            Console.out(ImageListing.render(scan, json: options.format == .json, quiet: options.quiet))
            return ImageListing.exitCode(scan, strict: config.strict)
        }
    }
}

/// The `list` output: text for people, JSON for scripts.
enum ImageListing {
    struct Entry: Codable {
        var image: String?
        var path: String
        var manifest: String
        var platform: String?
        var repository: String?
        var blobs: [BlobRef]
    }

    /// 1 when reading found an error (or, under `strict`, a warning), as `check` would before asking the service.
    static func exitCode(_ scan: ScanResult, strict: Bool) -> Int32 {
        let failing = (scan.findings + scan.images.flatMap(\.findings)).contains {
            $0.severity == .error || (strict && $0.severity == .warning)
        }
        return failing ? 1 : 0
    }

    static func render(_ scan: ScanResult, json: Bool, quiet: Bool = false) -> String {
        let entries = scan.images.map {
            Entry(image: $0.name, path: $0.outputPath, manifest: $0.manifestPath, platform: $0.platform?.description,
                  repository: $0.repository?.description, blobs: $0.blobs)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            struct Listing: Codable { var images: [Entry]; var findings: [Finding] }
            let findings = scan.findings + scan.images.flatMap(\.findings)
            guard let data = try? encoder.encode(Listing(images: entries, findings: findings)) else { return "{}\n" }
            return String(decoding: data, as: UTF8.self) + "\n"
        }
        var out = ""
        func show(_ finding: Finding, indent: String) {
            if quiet && finding.severity == .notice { return }
            out += "\(indent)\(finding.severity.rawValue): \(TerminalText.sanitize(finding.message)) [\(finding.rule.rawValue)]\n"
            out += "\(indent)  at \(TerminalText.sanitize(finding.path)):\(finding.line)\n"
        }
        for (image, entry) in zip(scan.images, entries) {
            let platform = entry.platform.map { " (\($0))" } ?? ""
            out += TerminalText.line("\(entry.image ?? entry.path)\(platform)") + "\n"
            out += "  output:     \(TerminalText.sanitize(entry.path))\n"
            out += "  manifest:   \(TerminalText.sanitize(entry.manifest))\n"
            out += "  repository: \(TerminalText.sanitize(entry.repository ?? "(unmapped)"))\n"
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
        out += "\(entries.count) image(s), \(entries.reduce(0) { $0 + $1.blobs.count }) blob(s), \(errors) error(s), \(warnings) warning(s)\n"
        return out
    }
}
