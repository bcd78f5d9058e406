import ArgumentParser
import Foundation
import ImageModel

/// `verify-layers list [<rev>]`: what would be checked, offline.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the images, repositories, platforms and layers that check would ask about (no network)."
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
            Console.out(ImageListing.render(scan, json: options.format == .json))
            return 0
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

    static func render(_ scan: ScanResult, json: Bool) -> String {
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
        for entry in entries {
            let platform = entry.platform.map { " (\($0))" } ?? ""
            out += "\(entry.image ?? entry.path)\(platform)\n"
            out += "  output:     \(entry.path)\n"
            out += "  repository: \(entry.repository ?? "(unmapped)")\n"
            for blob in entry.blobs {
                out += "  \(blob.role == .config ? "config" : "layer ") \(blob.digest) \(blob.size) bytes\n"
            }
        }
        out += "\(entries.count) image(s), \(entries.reduce(0) { $0 + $1.blobs.count }) blob(s)\n"
        return out
    }
}
