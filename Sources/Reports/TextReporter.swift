import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Human output: every checked image with its findings (only problems under `--quiet`), then the one-line summary of SPEC §6.
public struct TextReporter: Reporter {
    public static let format = ReportFormat.text
    /// Counts only, unless it lists the blobs the positive cache answered (`--verbose`: `cachedLines`).
    public static func showsBlobRows(listingCached: Bool) -> Bool { listingCached }
    /// The GitLab log section the per-image listing goes in.
    public static let sectionName = "verify_layers_images"

    public init() {}

    public func render(_ report: RunReport, options: ReportOptions) -> String {
        let style = Style(enabled: options.color)
        let body = listing(report, quiet: options.quiet, style: style)
        var out = ""
        if let failure = report.runWide {
            // `--on-error warn` demotes the failure's findings: the one line says it with the same severity.
            let demoted = !report.findings.contains { $0.rule == .verificationError && $0.severity == .error }
            out += runWideLines(failure, severity: demoted ? .warning : .error, style: style)
        }
        if !body.isEmpty {
            if options.gitlabSections {
                let problems = report.summary.errors + report.summary.warnings > 0
                let header = "verify-layers: \(count(report.images.count, "image")) checked"
                out += GitLabSection.start(
                    Self.sectionName, header: header, collapsed: !problems, timestamp: options.sectionTimestamp)
                out += body
                out += GitLabSection.end(Self.sectionName, timestamp: options.sectionTimestamp)
            } else {
                out += body
            }
        }
        if options.listCached && !options.quiet { out += cachedLines(report, ttl: options.cacheTTL) }
        if !options.quiet || report.summary.exitCode != 0 {
            out += summaryLine(report.summary, style: style) + "\n"
        }
        if let context = options.hints, !options.quiet {
            for line in PublishHints.lines(report, context: context) {
                out += style.yellow("hint:") + " " + line + "\n"
            }
        }
        return out
    }

    /// The failure that hit every call, once, with its fix: the per-image lines below then only say "not verified".
    func runWideLines(_ failure: RunWideFailure, severity: Severity, style: Style) -> String {
        let headline: String
        switch failure.kind {
        case .noCredentials: headline = "no AWS credentials found, so nothing could be verified"
        case .accessDenied: headline = "nothing could be verified: \(failure.cause)"
        case .timeout: headline = "the run timed out before anything could be verified: \(failure.cause)"
        case .connection: headline = "ECR Public could not be reached, so nothing could be verified: \(failure.cause)"
        case .configuration: headline = "nothing could be verified: \(failure.cause)"
        }
        var out =
            style.severity(severity) + " " + TerminalText.sanitize(headline) + " [\(Rule.verificationError.rawValue)]\n"
        if !failure.tried.isEmpty {
            out += "  tried: " + TerminalText.sanitize(failure.tried.joined(separator: ", ")) + "\n"
        }
        out += "  fix: " + failure.fix + "\n"
        return out
    }

    /// `from cache within 1h: public.ecr.aws/demo/app sha256:…`
    /// `--verbose`: each blob the positive cache answered, once per repository, with the TTL that admitted it.
    func cachedLines(_ report: RunReport, ttl: String?) -> String {
        var out = ""
        var seen = Set<String>()
        for image in report.images {
            image.withBlobRows { rows in
                for blob in rows where blob.cached && blob.status == .available {
                    let key = "\(image.repository ?? "")\u{0}\(blob.digest)"
                    guard seen.insert(key).inserted else { continue }
                    out +=
                        "from cache\(ttl.map { " within \($0)" } ?? ""): \(TerminalText.sanitize(image.repository ?? "?")) \(blob.digest)\n"
                }
            }
        }
        return out
    }

    /// Each image with its findings (or an `ok` line), then findings that belong to no image; no summary line.
    /// An image is `ok` only when it shows no finding and the service confirmed every blob it asked about.
    func listing(_ report: RunReport, quiet: Bool, style: Style) -> String {
        var body = ""
        let runWide = report.runWide != nil
        for group in ImageGroups(report).groups {
            // A run-wide failure was printed once above; its per-blob findings stay in the machine formats.
            let shown = group.findings.filter {
                (!quiet || $0.severity != .notice) && !(runWide && $0.rule == .verificationError)
            }
            let note = report.commits.describe(commit: group.commit, path: group.path)
            if shown.isEmpty, group.errors == 0, let image = group.image, let line = okLine(image, style: style) {
                if !quiet { body += line + "\n" }
                continue
            }
            body += style.bold(TerminalText.line(group.label)) + "\n"
            if let note { body += "  " + TerminalText.sanitize(note) + "\n" }
            for finding in shown {
                body +=
                    "  " + style.severity(finding.severity) + " " + TerminalText.sanitize(finding.message)
                    + " [\(finding.rule.rawValue)]\n"
                body += "    at \(TerminalText.sanitize(finding.path)):\(finding.line)\n"
            }
            if shown.isEmpty, let image = group.image {
                body +=
                    "  " + style.yellow("not verified:") + " \(count(image.tally.unconfirmed, "blob")) "
                    + (runWide ? "(see the error above)" : "without a verdict from the service") + "\n"
            }
        }
        return body
    }

    /// `build/app (public.ecr.aws/demo/app:1.0, linux/amd64): ok, 3 blobs available`, or nil when a blob is unconfirmed.
    func okLine(_ image: ImageResult, style: Style) -> String? {
        let counts = image.tally
        guard counts.unconfirmed == 0 else { return nil }
        var detail = "\(count(counts.available, "blob")) available"
        if counts.cached > 0 { detail += " (\(counts.cached) from cache)" }
        if counts.skipped > 0 { detail += ", \(counts.skipped) skipped" }
        return TerminalText.line(image.label) + ": " + style.green("ok") + ", " + detail
    }

    func count(_ value: Int, _ noun: String) -> String { value == 1 ? "1 \(noun)" : "\(value) \(noun)s" }

    /// `3 images, 42 blobs (40 available, 9 from cache, 1 unavailable, 1 invalid) in 0.21s`: SPEC §6's form, ending at the
    /// time (the way asked is in `--verbose` and the JSON summary's `via`).
    public func summaryLine(_ summary: Summary, style: Style = Style(enabled: false)) -> String {
        var parts = ["\(summary.available) available"]
        if summary.cached > 0 { parts.append("\(summary.cached) from cache") }
        if summary.unavailable > 0 { parts.append("\(summary.unavailable) unavailable") }
        if summary.invalid > 0 { parts.append("\(summary.invalid) invalid") }
        if summary.unverified > 0 { parts.append("\(summary.unverified) unverified") }
        if summary.skipped > 0 { parts.append("\(summary.skipped) skipped") }
        let line =
            "\(count(summary.images, "image")), \(count(summary.layers, "blob")) (\(parts.joined(separator: ", "))) in "
            + Self.seconds(summary.durationSeconds)
        return summary.exitCode == 0 ? style.green(line) : style.red(line)
    }

    /// `0.21s`: two decimals without `String(format:)` (which would pull ICU into a static binary).
    static func seconds(_ value: Double) -> String {
        let hundredths = Int((max(0, value) * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)s"
    }
}

/// GitLab CI's collapsible log sections (`section_start` / `section_end` markers).
enum GitLabSection {
    static func start(_ name: String, header: String, collapsed: Bool, timestamp: Int) -> String {
        "\u{1B}[0Ksection_start:\(timestamp):\(name)\(collapsed ? "[collapsed=true]" : "")\r\u{1B}[0K\(TerminalText.sanitize(header))\n"
    }

    static func end(_ name: String, timestamp: Int) -> String {
        "\u{1B}[0Ksection_end:\(timestamp):\(name)\r\u{1B}[0K\n"
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
