import ImageModel

/// GitHub Actions log output: the per-image listing folded in a log group, at most ten annotations per severity (what
/// GitHub shows per step) with a line counting the rest, and the summary line. The step summary and step outputs are
/// rendered by `GitHubStepSummary`; the executable appends them to the files GitHub names.
public struct GitHubReporter: Reporter {
    public static let format = ReportFormat.github
    public static func showsBlobRows(listingCached: Bool) -> Bool { false }
    public static let ciVariable: String? = "GITHUB_ACTIONS"
    /// GitHub shows at most this many annotations of each severity per step.
    public static let annotationsPerSeverity = 10

    public init() {}

    public func render(_ report: RunReport, options: ReportOptions) -> String {
        var out = ""
        let listing = TextReporter().listing(report, quiet: options.quiet, style: Style(enabled: false))
        if !listing.isEmpty {
            let title = "verify-layers: \(plural(report.images.count, "image")) checked"
            out +=
                WorkflowCommand("group", message: title).rendered + "\n" + listing
                + WorkflowCommand("endgroup", message: "").rendered + "\n"
        }
        let groups = ImageGroups(report)
        for severity in [Severity.error, .warning, .notice] {
            let findings = report.findings.indices.filter { report.findings[$0].severity == severity }
            for position in findings.prefix(Self.annotationsPerSeverity) {
                out += annotation(report.findings[position], images: groups.prefix(ofFinding: position)).rendered + "\n"
            }
            let rest = findings.count - Self.annotationsPerSeverity
            if rest > 0 {
                out +=
                    "verify-layers: \(plural(rest, "more " + severity.rawValue)) not annotated (GitHub shows \(Self.annotationsPerSeverity) per step); "
                    + "all \(findings.count) are listed in the group above and in the job summary.\n"
            }
        }
        if !options.quiet || report.summary.exitCode != 0 {
            out += TextReporter().summaryLine(report.summary) + "\n"
        }
        return out
    }

    /// `::error file=P,line=N,title=T::image: message` followed by the rule's help; `images` is the prefix naming the
    /// images the finding belongs to.
    public func annotation(_ finding: Finding, images: String? = nil) -> WorkflowCommand {
        let command: String
        switch finding.severity {
        case .error: command = "error"
        case .warning: command = "warning"
        case .notice: command = "notice"
        }
        var message = (images ?? ImageGroups.fallbackPrefix(finding)) + finding.message
        message += "\n" + finding.rule.help
        return WorkflowCommand(
            command,
            properties: [
                ("file", finding.path), ("line", String(finding.line)),
                ("title", "\(finding.rule.title) (\(finding.rule.rawValue))"),
            ], message: message)
    }

    func plural(_ count: Int, _ noun: String) -> String { count == 1 ? "1 \(noun)" : "\(count) \(noun)s" }
}
