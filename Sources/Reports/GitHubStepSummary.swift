import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a GitHub Actions step leaves behind besides its log: the Markdown job summary (`$GITHUB_STEP_SUMMARY`, at most
/// 1 MiB per step) and the step outputs (`$GITHUB_OUTPUT`) that later steps read. Pure: the executable does the appending.
public enum GitHubStepSummary {
    /// GitHub rejects a step summary over 1 MiB.
    public static let byteLimit = 1 << 20
    /// Room kept for the lines that say what was left out.
    static let reserve = 512

    /// The Markdown summary, never more than `byteLimit` UTF-8 bytes (rows that do not fit are counted instead); empty
    /// when even the heading does not fit.
    public static func markdown(_ report: RunReport, byteLimit: Int = byteLimit) -> String {
        var out = "## verify-layers\n\n\(status(report.summary)): \(TextReporter().summaryLine(report.summary))\n\n"
        guard out.utf8.count + reserve <= byteLimit else { return "" }

        let groups = ImageGroups(report)
        let rows = groups.groups.map { imageRow($0, report: report) }
        var problemLines: [String] = []
        let order = report.findings.indices.sorted {
            (report.findings[$0].severity, $1) > (report.findings[$1].severity, $0)
        }
        for position in order {
            let finding = report.findings[position]
            let label = groups.prefix(ofFinding: position)
            problemLines.append(
                "- **\(finding.severity.rawValue)** \(finding.rule.rawValue): \(cell(label + finding.message)) (\(cell(finding.path)):\(finding.line))\n"
            )
        }

        var budget = byteLimit - reserve - out.utf8.count
        /// A heading and as many lines as fit the budget, then a note counting the rest.
        func appendSection(_ head: String, _ lines: [String], noun: String) {
            guard !lines.isEmpty, head.utf8.count <= budget else { return }
            out += head
            budget -= head.utf8.count
            let shown = take(lines, budget: &budget)
            out += shown.joined()
            if shown.count < lines.count {
                out += "\n_\(plural(lines.count - shown.count, noun)) not shown: a job summary is limited to 1 MiB._\n"
            }
        }
        appendSection(
            "| Image | Repository | Platform | Blobs checked | Problems |\n| --- | --- | --- | --- | --- |\n", rows,
            noun: "more image")
        appendSection("\n### Findings\n\n", problemLines, noun: "more finding")
        return out
    }

    /// The one-line verdict above the table.
    static func status(_ summary: Summary) -> String {
        if summary.errors > 0 {
            return "❌ \(plural(summary.errors, "error"))"
                + (summary.warnings > 0 ? ", \(plural(summary.warnings, "warning"))" : "")
        } else if summary.exitCode != 0 {
            return "❌ failed (exit \(summary.exitCode))"
        } else if summary.warnings > 0 {
            return "⚠️ \(plural(summary.warnings, "warning"))"
        }
        return "✅ all blobs available"
    }

    /// One table row: the image as every format names it, where it goes, what was asked and what was found.
    static func imageRow(_ group: ImageGroups.Group, report: RunReport) -> String {
        let image = group.image
        let checked = image?.tally.answered ?? 0
        var problems: [String] = []
        if group.errors > 0 { problems.append(plural(group.errors, "error")) }
        if group.warnings > 0 { problems.append(plural(group.warnings, "warning")) }
        if group.notices > 0 { problems.append(plural(group.notices, "notice")) }
        var name = group.label
        if let note = report.commits.describe(commit: group.commit, path: group.path) { name += " — " + note }
        let cells = [
            name, image?.repository ?? "—", image?.platform ?? "—",
            String(checked), problems.isEmpty ? "none" : problems.joined(separator: ", "),
        ]
        return "| " + cells.map(cell).joined(separator: " | ") + " |\n"
    }

    /// `name=value` lines for `$GITHUB_OUTPUT`: `checked` (blobs asked about: layers and config blobs), `unavailable`, `invalid`, and more.
    public static func outputs(_ report: RunReport) -> String {
        let summary = report.summary
        let pairs: [(String, Int)] = [
            ("checked", summary.layers), ("available", summary.available), ("unavailable", summary.unavailable),
            ("invalid", summary.invalid), ("unverified", summary.unverified), ("images", summary.images),
            ("errors", summary.errors), ("warnings", summary.warnings), ("exit-code", Int(summary.exitCode)),
        ]
        return pairs.map { "\($0.0)=\($0.1)\n" }.joined()
    }

    /// The leading lines that fit in `budget` bytes.
    static func take(_ lines: [String], budget: inout Int) -> [String] {
        var shown: [String] = []
        for line in lines {
            let size = line.utf8.count
            guard size <= budget else { break }
            budget -= size
            shown.append(line)
        }
        return shown
    }

    /// Text safe inside a Markdown table cell or list item: no line breaks, and every character Markdown or HTML could act
    /// on is backslash-escaped (CommonMark allows it before any ASCII punctuation).
    static func cell(_ text: String) -> String {
        let safe = TerminalText.sanitize(text)
        guard safe.utf8.contains(where: markdownSpecial) else { return safe }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(safe.utf8.count + 16)
        for byte in safe.utf8 {
            if markdownSpecial(byte) { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// ASCII punctuation that Markdown or HTML could act on: \ ` * _ [ ] < > | ~ ! & # ( ) { } + " ' $ ^ =
    static func markdownSpecial(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x5C, 0x60, 0x2A, 0x5F, 0x5B, 0x5D, 0x3C, 0x3E, 0x7C, 0x7E, 0x21, 0x26, 0x23, 0x28, 0x29, 0x7B, 0x7D, 0x2B,
            0x22, 0x27,
            0x24, 0x5E, 0x3D:
            return true
        default:
            return false
        }
    }

    static func plural(_ count: Int, _ noun: String) -> String { count == 1 ? "1 \(noun)" : "\(count) \(noun)s" }
}
