#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ImageModel

/// The report formats of SPEC §6; the raw values are the `--format` / `--report` names.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, github, gitlab, junit, sarif
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
    /// The positive cache's TTL as written in the config (`1h`), shown beside the cache hits in the summary.
    public var cacheTTL: String?
    /// List every blob whose `available` came from the positive cache (`--verbose`).
    public var listCached = false

    public init(color: Bool = false, quiet: Bool = false, toolVersion: String = "0.0.0", gitlabSections: Bool = false,
                sectionTimestamp: Int = 0) {
        self.color = color
        self.quiet = quiet
        self.toolVersion = toolVersion
        self.gitlabSections = gitlabSections
        self.sectionTimestamp = sectionTimestamp
    }
}

/// One output format: results in, bytes out, no I/O.
public protocol Reporter {
    func render(_ report: RunReport, options: ReportOptions) -> String
    /// The same text as `render`, handed to `sink` piece by piece; formats whose size grows with the run stream here.
    func write(_ report: RunReport, options: ReportOptions, to sink: ReportSink)
}

extension Reporter {
    public func write(_ report: RunReport, options: ReportOptions, to sink: ReportSink) {
        sink.write(render(report, options: options))
    }
}

/// Picks the reporter for a format.
public enum Reporters {
    public static func reporter(for format: ReportFormat) -> Reporter {
        switch format {
        case .text: return TextReporter()
        case .json: return JSONReporter()
        case .github: return GitHubReporter()
        case .gitlab: return GitLabReporter()
        case .junit: return JUnitReporter()
        case .sarif: return SARIFReporter()
        }
    }
}
