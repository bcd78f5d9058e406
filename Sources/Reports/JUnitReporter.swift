import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JUnit XML (`artifacts: reports: junit`, test-report viewers): one test case per checked image, failing with its findings.
///
/// A test case fails on an error finding, errors (could not run) when its only errors are `verification-error`, and is
/// skipped when the service gave no verdict on any of its blobs (an unmapped image). Warnings fail only when they failed
/// the run (`strict`). Findings that belong to no single image get a test case of their own.
public struct JUnitReporter: StreamingReporter {
    public static let format = ReportFormat.junit
    public static func showsBlobRows(listingCached: Bool) -> Bool { false }
    public init() {}

    /// Two passes over the images: the suite's counts first (they head the file), then each test case written as it is made.
    public func write(_ report: RunReport, options: ReportOptions, to sink: ReportSink) {
        let warningsFail =
            report.summary.exitCode == 1
            && !report.findings.contains { $0.severity == .error && $0.rule != .verificationError }
        let groups = ImageGroups(report).groups
        var failures = 0, errors = 0, skipped = 0
        for group in groups {
            switch outcome(group, warningsFail: warningsFail) {
            case .failure: failures += 1
            case .error: errors += 1
            case .skipped: skipped += 1
            case .passed: break
            }
        }
        let time = Self.seconds(report.summary.durationSeconds)
        let counts =
            "tests=\"\(groups.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(time)\""
        sink.write(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + "<testsuites name=\"verify-layers\" \(counts)>\n"
                + "  <testsuite name=\"verify-layers\" \(counts)>\n")
        for group in groups { sink.write(testCase(group, report: report, warningsFail: warningsFail)) }
        sink.write("  </testsuite>\n" + "</testsuites>\n")
    }

    private enum Outcome { case passed, failure, error, skipped }

    private func failing(_ group: ImageGroups.Group, warningsFail: Bool) -> [Finding] {
        group.findings.filter { $0.severity == .error || (warningsFail && $0.severity == .warning) }
    }

    private func outcome(_ group: ImageGroups.Group, warningsFail: Bool) -> Outcome {
        let failing = failing(group, warningsFail: warningsFail)
        if failing.contains(where: { $0.rule != .verificationError }) { return .failure }
        if !failing.isEmpty { return .error }
        let verdicts = group.image?.tally.answered ?? 0
        if group.image != nil, verdicts == 0, group.findings.contains(where: { $0.severity == .warning }) {
            return .skipped
        }
        return .passed
    }

    private func testCase(_ group: ImageGroups.Group, report: RunReport, warningsFail: Bool) -> String {
        let failing = failing(group, warningsFail: warningsFail)
        let problems = failing.filter { $0.rule != .verificationError }
        let unverifiable = failing.filter { $0.rule == .verificationError }
        var body = ""
        switch outcome(group, warningsFail: warningsFail) {
        case .failure, .error:
            if let first = problems.first ?? unverifiable.first {
                let element = problems.isEmpty ? "error" : "failure"
                let message = failing.count == 1 ? first.message : "\(first.message) (and \(failing.count - 1) more)"
                body += "      <\(element) type=\"\(first.rule.rawValue)\" message=\"\(XML.attribute(message))\">"
                let note = report.commits.describe(commit: group.commit, path: group.path)
                body +=
                    XML.text(([note].compactMap { $0 } + failing.map(describe)).joined(separator: "\n"))
                    + "</\(element)>\n"
            }
        case .skipped:
            if let reason = group.findings.first(where: { $0.severity == .warning }) {
                body += "      <skipped message=\"\(XML.attribute(reason.message))\"/>\n"
            }
        case .passed:
            break
        }
        let others = group.findings.filter { finding in !failing.contains(finding) }
        if !others.isEmpty {
            body += "      <system-out>" + XML.text(others.map(describe).joined(separator: "\n")) + "</system-out>\n"
        }
        let open = "    <testcase classname=\"\(XML.attribute(group.path))\" name=\"\(XML.attribute(group.label))\""
        return body.isEmpty ? open + "/>\n" : open + ">\n" + body + "    </testcase>\n"
    }

    /// `1.234`: JUnit's seconds with three decimals, without `String(format:)`.
    static func seconds(_ value: Double) -> String {
        let millis = Int((max(0, value) * 1000).rounded())
        let fraction = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// `error: message [rule] at path:line`
    func describe(_ finding: Finding) -> String {
        "\(finding.severity.rawValue): \(finding.message) [\(finding.rule.rawValue)] at \(finding.path):\(finding.line)"
    }
}

/// XML 1.0 escaping; characters XML cannot carry at all (most control characters) become visible `\u{…}` escapes.
enum XML {
    static func text(_ value: String) -> String { escape(value, attribute: false) }
    static func attribute(_ value: String) -> String { escape(value, attribute: true) }

    static func escape(_ value: String, attribute: Bool) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "'" where attribute: out += "&apos;"
            case "\n" where attribute: out += "&#10;"
            case "\r": out += "&#13;"
            case "\t" where attribute: out += "&#9;"
            default:
                let v = scalar.value
                let allowed =
                    v == 0x9 || v == 0xA || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000
                if allowed {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
                }
            }
        }
        return out
    }
}
