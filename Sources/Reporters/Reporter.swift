import Foundation
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

    public init(color: Bool = false, quiet: Bool = false, toolVersion: String = "0.0.0") {
        self.color = color
        self.quiet = quiet
        self.toolVersion = toolVersion
    }
}

/// One output format: results in, bytes out, no I/O.
public protocol Reporter {
    func render(_ report: RunReport, options: ReportOptions) -> String
}

/// Picks the reporter for a format.
public enum Reporters {
    public static func reporter(for format: ReportFormat) -> Reporter {
        switch format {
        case .text: return TextReporter()
        case .json: return JSONReporter()
        case .github, .gitlab, .junit, .sarif: return JSONReporter()
        }
    }
}
