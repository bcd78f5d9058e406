import Foundation
import ImageModel

/// JUnit XML (`artifacts: reports: junit`, test-report viewers): one test case per checked image, failing with its findings.
///
/// A test case fails on an error finding, errors (could not run) when its only errors are `verification-error`, and is
/// skipped when the service gave no verdict on any of its blobs (an unmapped image). Warnings fail only when they failed
/// the run (`strict`). Findings that belong to no single image get a test case of their own.
public struct JUnitReporter: Reporter {
    public init() {}

    public func render(_ report: RunReport, options: ReportOptions) -> String {
        let warningsFail = report.summary.exitCode == 1
            && !report.findings.contains { $0.severity == .error && $0.rule != .verificationError }
        var cases = ""
        var failures = 0, errors = 0, skipped = 0
        let groups = ImageGroups(report).groups
        for group in groups {
            let failing = group.findings.filter { $0.severity == .error || (warningsFail && $0.severity == .warning) }
            let problems = failing.filter { $0.rule != .verificationError }
            let unverifiable = failing.filter { $0.rule == .verificationError }
            let verdicts = group.image?.blobs.filter { [.available, .unavailable, .invalid].contains($0.status) }.count ?? 0
            var body = ""
            if let first = problems.first ?? unverifiable.first {
                let element = problems.isEmpty ? "error" : "failure"
                if problems.isEmpty { errors += 1 } else { failures += 1 }
                let message = failing.count == 1 ? first.message : "\(first.message) (and \(failing.count - 1) more)"
                body += "      <\(element) type=\"\(first.rule.rawValue)\" message=\"\(XML.attribute(message))\">"
                let note = report.commits.describe(commit: group.commit, path: group.path)
                body += XML.text(([note].compactMap { $0 } + failing.map(describe)).joined(separator: "\n")) + "</\(element)>\n"
            } else if group.image != nil, verdicts == 0, let reason = group.findings.first(where: { $0.severity == .warning }) {
                skipped += 1
                body += "      <skipped message=\"\(XML.attribute(reason.message))\"/>\n"
            }
            let others = group.findings.filter { finding in !failing.contains(finding) }
            if !others.isEmpty {
                body += "      <system-out>" + XML.text(others.map(describe).joined(separator: "\n")) + "</system-out>\n"
            }
            let open = "    <testcase classname=\"\(XML.attribute(group.path))\" name=\"\(XML.attribute(group.label))\""
            cases += body.isEmpty ? open + "/>\n" : open + ">\n" + body + "    </testcase>\n"
        }
        let time = Self.seconds(report.summary.durationSeconds)
        let counts = "tests=\"\(groups.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(time)\""
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"verify-layers\" \(counts)>\n"
            + "  <testsuite name=\"verify-layers\" \(counts)>\n"
            + cases
            + "  </testsuite>\n"
            + "</testsuites>\n"
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
                let allowed = v == 0x9 || v == 0xA || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000
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
