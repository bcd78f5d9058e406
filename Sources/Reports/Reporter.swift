import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A report format's name, as `--format` and `--report FORMAT=PATH` take it. The names that exist are the registered
/// reporters' (`ReporterRegistry`); the constants are the built-in ones of SPEC §6.
public struct ReportFormat: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let text = ReportFormat(rawValue: "text")
    public static let json = ReportFormat(rawValue: "json")
    public static let github = ReportFormat(rawValue: "github")
    public static let gitlab = ReportFormat(rawValue: "gitlab")
    public static let junit = ReportFormat(rawValue: "junit")
    public static let sarif = ReportFormat(rawValue: "sarif")
}

/// How a report should look; reporters stay pure functions of the run and these options.
public struct ReportOptions: Sendable {
    public var color: Bool
    public var quiet: Bool
    public var toolVersion: String
    /// Wrap the per-image listing of text output in GitLab CI collapsible log sections.
    public var gitlabSections: Bool
    /// Unix time written into GitLab section markers (the caller passes the clock, so output stays reproducible).
    public var sectionTimestamp: Int
    /// After a failure, print `hint:` lines for this command (text only; nil prints none).
    public var hints: HintContext?
    /// The positive cache's TTL as written in the config (`1h`), shown beside the cache hits `--verbose` lists.
    public var cacheTTL: String?
    /// List every blob whose `available` came from the positive cache (`--verbose`).
    public var listCached = false

    public init(
        color: Bool = false, quiet: Bool = false, toolVersion: String = "0.0.0", gitlabSections: Bool = false,
        sectionTimestamp: Int = 0
    ) {
        self.color = color
        self.quiet = quiet
        self.toolVersion = toolVersion
        self.gitlabSections = gitlabSections
        self.sectionTimestamp = sectionTimestamp
    }
}

/// One output format: results in, bytes out, no I/O. A format is one file holding one `Reporter`, listed once in
/// `ReporterRegistry.builtIn`; the `--format` values, `--help` and the `ci` default all derive from that list.
/// The `Reports` module owns every format and the streaming writers; it must not read anything but the report.
public protocol Reporter {
    /// The name `--format` / `--report` take.
    static var format: ReportFormat { get }
    /// A CI system's marker variable (set to `true` there) under which `ci` writes this format by default; nil for none.
    static var ciVariable: String? { get }
    /// Whether the format shows every blob of every image (`ImageResult.blobs`), when written with
    /// `ReportOptions.listCached` as given; one that shows only each image's counts (`ImageResult.tally`) says false,
    /// and a run written only in such formats keeps no rows. True unless said.
    static func showsBlobRows(listingCached: Bool) -> Bool
    init()
    func render(_ report: RunReport, options: ReportOptions) -> String
    /// The same text as `render`, handed to `sink` piece by piece; formats whose size grows with the run stream here.
    func write(_ report: RunReport, options: ReportOptions, to sink: ReportSink)
}

/// A reporter whose output grows with the run (JSON, SARIF, JUnit): it writes piece by piece, and `render` is those
/// pieces collected (for tests and small runs).
public protocol StreamingReporter: Reporter {}

extension StreamingReporter {
    public func render(_ report: RunReport, options: ReportOptions) -> String {
        let sink = StringSink()
        write(report, options: options, to: sink)
        return sink.text
    }
}

extension Reporter {
    public static var ciVariable: String? { nil }
    public static func showsBlobRows(listingCached: Bool) -> Bool { true }

    public func write(_ report: RunReport, options: ReportOptions, to sink: ReportSink) {
        sink.write(render(report, options: options))
    }
}

/// The reporters a run can write, in `--help` order: the one place a format is registered.
public struct ReporterRegistry: Sendable {
    /// SPEC §6's formats.
    public static let builtIn = ReporterRegistry([
        TextReporter.self, JSONReporter.self, GitHubReporter.self, GitLabReporter.self, JUnitReporter.self,
        SARIFReporter.self,
    ])

    /// One registered reporter: its name, its CI marker and how to make one.
    private struct Entry: Sendable {
        var format: ReportFormat
        var ciVariable: String?
        var showsBlobRows: @Sendable (_ listingCached: Bool) -> Bool
        var make: @Sendable () -> any Reporter

        init<R: Reporter>(_ type: R.Type) {
            format = R.format
            ciVariable = R.ciVariable
            showsBlobRows = { R.showsBlobRows(listingCached: $0) }
            make = { R() }
        }
    }

    private let entries: [Entry]

    public init(_ types: [any Reporter.Type]) {
        entries = types.map { type in Self.entry(type) }
    }

    private init(entries: [Entry]) {
        self.entries = entries
    }

    private static func entry<R: Reporter>(_ type: R.Type) -> Entry { Entry(type) }

    /// Another registry with `type` added (a plug-in; a format of the same name is replaced).
    public func adding<R: Reporter>(_ type: R.Type) -> ReporterRegistry {
        ReporterRegistry(entries: entries.filter { $0.format != R.format } + [Entry(type)])
    }

    /// Every registered format, in registration order.
    public var formats: [ReportFormat] { entries.map(\.format) }

    /// What to say of a format name no reporter is registered under, naming the ones that are.
    public func unknownFormat(_ name: String) -> String {
        "\(name.debugDescription) is not a report format; use one of \(formats.map(\.rawValue).joined(separator: ", "))"
    }

    /// A new reporter for `format`; nil when no reporter of that name is registered.
    public func reporter(for format: ReportFormat) -> (any Reporter)? {
        entries.first { $0.format == format }?.make()
    }

    /// Whether any of `formats`, written with `listingCached`, shows blob rows (a format no reporter is registered under
    /// counts as one that does).
    public func showsBlobRows(_ formats: some Sequence<ReportFormat>, listingCached: Bool = false) -> Bool {
        formats.contains { format in entries.first { $0.format == format }?.showsBlobRows(listingCached) ?? true }
    }

    /// The format whose CI system `environment` is running in (its marker variable is `true`), if any.
    public func ciDefault(environment: [String: String]) -> ReportFormat? {
        entries.first { entry in entry.ciVariable.map { environment[$0] == "true" } ?? false }?.format
    }
}
