import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// GitLab Code Quality JSON (`artifacts: reports: codequality`), so findings show in merge requests and the pipeline.
public struct GitLabReporter: Reporter {
    public static let format = ReportFormat.gitlab
    public static func showsBlobRows(listingCached: Bool) -> Bool { false }
    public static let ciVariable: String? = "GITLAB_CI"
    /// One Code Quality issue; GitLab needs `description`, `check_name`, `fingerprint`, `severity` and `location`.
    public struct Issue: Codable, Equatable, Sendable {
        public var type: String
        public var checkName: String
        public var description: String
        public var categories: [String]
        public var fingerprint: String
        public var severity: String
        public var location: Location

        public struct Location: Codable, Equatable, Sendable {
            public var path: String
            public var lines: Lines
        }

        public struct Lines: Codable, Equatable, Sendable {
            public var begin: Int
        }

        enum CodingKeys: String, CodingKey {
            case type, description, categories, fingerprint, severity, location
            case checkName = "check_name"
        }
    }

    public init() {}

    public func render(_ report: RunReport, options: ReportOptions) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(issues(report)) else { return "[]\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public func issues(_ report: RunReport) -> [Issue] {
        let fingerprints = FindingFingerprint.all(report.findings)
        let groups = ImageGroups(report)
        return zip(report.findings, fingerprints).enumerated().map { position, pair in
            let (finding, fingerprint) = pair
            var description = finding.message
            description = groups.prefix(ofFinding: position) + description
            return Issue(
                type: "issue", checkName: finding.rule.rawValue, description: description, categories: ["Bug Risk"],
                fingerprint: fingerprint, severity: Self.severity(finding.severity),
                location: .init(path: finding.path, lines: .init(begin: finding.line)))
        }
    }

    /// error fails the pipeline (`major`), warning does not (`minor`), notice is `info` — as ESLint's GitLab formatter maps them.
    public static func severity(_ severity: Severity) -> String {
        switch severity {
        case .error: return "major"
        case .warning: return "minor"
        case .notice: return "info"
        }
    }
}
