import ArgumentParser
import Pipeline

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `verify-layers list [<rev>]`: what would be checked, offline.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the images, repositories, platforms and layers that check would ask about (no network).",
        discussion:
            "Problems found while reading (invalid manifests, local digest mismatches, missing LFS objects, ...) are listed too; the exit code is 1 when one of them is an error (or a warning under `strict`)."
    )

    @Argument(help: "The revision whose tree to list (default HEAD).")
    var revision: String?

    @OptionGroup(title: "Scan options") var scan: ScanOptions

    /// `list` prints a listing, not a report: only these two.
    enum ListFormat: String, CaseIterable, ExpressibleByArgument {
        case text, json
    }

    @Option(help: "Print the listing in this format.")
    var format: ListFormat = .text

    /// SPEC §1.2 leaves out only the service options for `list`: a listing can be written to files as well, in the
    /// two formats it has.
    @Option(
        name: .customLong("report"),
        help: ArgumentHelp("Also write the listing to a file, text or json (repeatable).", valueName: "format=path"),
        transform: { try usage(ReportSpec.parse($0)) })
    var reports: [ReportSpec] = []

    @Flag(name: .shortAndLong, help: "Also list every candidate considered and why it was read or skipped.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Leave out notices.")
    var quiet = false

    @Option(help: "Colour the severity of each problem in the text listing.")
    var color: ColorChoice = .auto

    func validate() throws {
        if verbose && quiet { throw ValidationError("--verbose and --quiet contradict each other; give one") }
        if color == .always, format != .text {
            throw ValidationError("--color always applies to the text listing only, not --format \(format.rawValue)")
        }
        for spec in reports where spec.format != .text && spec.format != .json {
            throw ValidationError(
                "list writes its listing as text or json, not --report \(spec.format.rawValue)=\(spec.path); "
                    + "`check` writes the \(spec.format.rawValue) report")
        }
    }

    func run() throws {
        // `list` offers no service or report options: the run sees their defaults.
        var settings = scan.settings
        settings.verbose = verbose
        settings.quiet = quiet
        settings.color = color
        settings.format = format == .json ? .json : .text
        settings.reports = reports
        try runReportingFailures { try Pipeline.list(revision: revision, settings: settings) }
    }
}
