import Foundation
import ImageModel

/// Human output: findings grouped by image, then the one-line summary of SPEC §6.
public struct TextReporter: Reporter {
    public init() {}

    public func render(_ report: RunReport, options: ReportOptions) -> String {
        let style = Style(enabled: options.color)
        var out = ""
        var groups: [(String, [Finding])] = []
        var index: [String: Int] = [:]
        for finding in report.findings {
            if options.quiet && finding.severity == .notice { continue }
            let key = groupLabel(finding)
            if let position = index[key] {
                groups[position].1.append(finding)
            } else {
                index[key] = groups.count
                groups.append((key, [finding]))
            }
        }
        for (label, findings) in groups {
            out += style.bold(label) + "\n"
            for finding in findings {
                out += "  " + style.severity(finding.severity) + " " + finding.message + " [\(finding.rule.rawValue)]\n"
                out += "    at \(finding.path):\(finding.line)\n"
            }
        }
        if !options.quiet || report.summary.exitCode != 0 {
            out += summaryLine(report.summary, style: style) + "\n"
        }
        return out
    }

    private func groupLabel(_ finding: Finding) -> String {
        let base = finding.image ?? finding.path
        if let platform = finding.platform { return "\(base) (\(platform))" }
        return base
    }

    /// `3 images, 42 layers (40 available, 1 unavailable, 1 invalid) in 0.21s`
    public func summaryLine(_ summary: Summary, style: Style = Style(enabled: false)) -> String {
        var parts = ["\(summary.available) available"]
        if summary.unavailable > 0 { parts.append("\(summary.unavailable) unavailable") }
        if summary.invalid > 0 { parts.append("\(summary.invalid) invalid") }
        if summary.unverified > 0 { parts.append("\(summary.unverified) unverified") }
        if summary.skipped > 0 { parts.append("\(summary.skipped) skipped") }
        let images = summary.images == 1 ? "1 image" : "\(summary.images) images"
        let layers = summary.layers == 1 ? "1 layer" : "\(summary.layers) layers"
        let line = "\(images), \(layers) (\(parts.joined(separator: ", "))) in \(String(format: "%.2f", summary.durationSeconds))s"
        return summary.exitCode == 0 ? style.green(line) : style.red(line)
    }
}

/// ANSI styling that is a no-op when colour is off.
public struct Style: Sendable {
    public let enabled: Bool

    public init(enabled: Bool) {
        self.enabled = enabled
    }

    func wrap(_ text: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    public func bold(_ text: String) -> String { wrap(text, "1") }
    public func red(_ text: String) -> String { wrap(text, "31") }
    public func green(_ text: String) -> String { wrap(text, "32") }
    public func yellow(_ text: String) -> String { wrap(text, "33") }

    public func severity(_ severity: Severity) -> String {
        switch severity {
        case .error: return red("error:")
        case .warning: return yellow("warning:")
        case .notice: return wrap("notice:", "36")
        }
    }
}
