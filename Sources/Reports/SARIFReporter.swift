import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers: every rule with its help, results at repo-relative URIs,
/// with stable `partialFingerprints` so alerts are tracked across runs.
public struct SARIFReporter: StreamingReporter {
    public static let format = ReportFormat.sarif
    public static func showsBlobRows(listingCached: Bool) -> Bool { false }
    public init() {}

    /// The log without its results through `JSONEncoder`, then each result as it is made where the encoder put an
    /// empty list: a run with many findings never holds them all encoded.
    public func write(_ report: RunReport, options: ReportOptions, to sink: ReportSink) {
        var shell = log(report, toolVersion: options.toolVersion, results: false)
        let text = StreamingJSON.encoded(shell, indent: 0)
        let empty = "\"results\" : [\n\n      ]"
        guard let range = text.firstRange(of: empty) else {
            shell = log(report, toolVersion: options.toolVersion)
            sink.write(StreamingJSON.encoded(shell, indent: 0) + "\n")
            return
        }
        sink.write(String(text[..<range.lowerBound]) + "\"results\" : ")
        let fingerprints = FindingFingerprint.all(report.findings)
        let groups = ImageGroups(report)
        StreamingJSON(sink: sink).array(report.findings.indices, indent: 6) { position in
            sink.write(
                StreamingJSON.encoded(
                    result(
                        report.findings[position], position: position, fingerprint: fingerprints[position],
                        groups: groups),
                    indent: 8))
        }
        sink.write(String(text[range.upperBound...]) + "\n")
    }

    /// The key our fingerprints are stored under in `partialFingerprints`.
    public static let fingerprintKey = "verifyLayersFinding/v1"

    /// The whole log as values; `results: false` leaves the results out (the streaming writer adds them one by one).
    public func log(_ report: RunReport, toolVersion: String, results withResults: Bool = true) -> SARIF.Log {
        let rules = Rule.allCases
        var results: [SARIF.Result] = []
        if withResults {
            let fingerprints = FindingFingerprint.all(report.findings)
            let groups = ImageGroups(report)
            results = report.findings.indices.map {
                result(report.findings[$0], position: $0, fingerprint: fingerprints[$0], groups: groups)
            }
        }
        let driver = SARIF.Driver(
            name: "verify-layers", version: toolVersion,
            rules: rules.map { rule in
                SARIF.ReportingDescriptor(
                    id: rule.rawValue, name: Self.ruleName(rule), shortDescription: .init(text: rule.title),
                    fullDescription: .init(text: rule.help),
                    help: .init(text: rule.help), defaultConfiguration: .init(level: Self.level(rule.defaultSeverity)))
            })
        let exitCode = Int(report.summary.exitCode)
        let invocation = SARIF.Invocation(executionSuccessful: exitCode == 0 || exitCode == 1, exitCode: exitCode)
        return SARIF.Log(runs: [SARIF.Run(tool: .init(driver: driver), invocations: [invocation], results: results)])
    }

    /// One finding as a SARIF result; `position` is its index in the report (for the image prefix of its message).
    func result(_ finding: Finding, position: Int, fingerprint: String, groups: ImageGroups) -> SARIF.Result {
        SARIF.Result(
            ruleId: finding.rule.rawValue, ruleIndex: Rule.allCases.firstIndex(of: finding.rule) ?? 0,
            level: Self.level(finding.severity),
            message: .init(text: groups.prefix(ofFinding: position) + finding.message),
            locations: [
                .init(
                    physicalLocation: .init(
                        artifactLocation: .init(uri: Self.uri(finding.path), uriBaseId: "%SRCROOT%"),
                        region: .init(startLine: finding.line)))
            ],
            partialFingerprints: [Self.fingerprintKey: fingerprint],
            properties: .init(
                image: finding.image, platform: finding.platform, digest: finding.digest,
                repository: finding.repository,
                commit: finding.commit.isEmpty ? nil : finding.commit))
    }

    public static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: return "error"
        case .warning: return "warning"
        case .notice: return "note"
        }
    }

    /// `layer-unavailable` → `LayerUnavailable` (SARIF's `name` is an identifier-like word).
    static func ruleName(_ rule: Rule) -> String {
        rule.rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// A repo-relative path as a relative URI reference: everything but unreserved characters and `/` percent-encoded.
    public static func uri(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            let unreserved =
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E || byte == 0x2F
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += byte < 16 ? "%0" + hex : "%" + hex
            }
        }
        return out
    }
}
