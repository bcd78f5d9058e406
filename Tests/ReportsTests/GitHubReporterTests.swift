import Foundation
import ImageModel
import Testing

@testable import Reports

/// The workflow commands a GitHub runner would see in `text`, parsed the way the runner parses them
/// (`ActionCommand.TryParseV2`: leading whitespace trimmed, `::name props::data`, then unescaped).
struct RunnerCommand {
    var name: String
    var properties: [String: String]
    var data: String

    static func parse(_ output: String) -> [RunnerCommand] {
        output.split(separator: "\n", omittingEmptySubsequences: false).compactMap { rawLine in
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            guard line.hasPrefix("::") else { return nil }
            let rest = line.dropFirst(2)
            guard let end = rest.range(of: "::") else { return nil }
            let head = rest[..<end.lowerBound]
            let data = String(rest[end.upperBound...])
            let name: Substring
            var properties: [String: String] = [:]
            if let space = head.firstIndex(of: " ") {
                name = head[..<space]
                for pair in head[head.index(after: space)...].split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    if parts.count == 2 { properties[String(parts[0])] = unescapeProperty(String(parts[1])) }
                }
            } else {
                name = head
            }
            return RunnerCommand(name: String(name), properties: properties, data: unescapeData(data))
        }
    }

    static func unescapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0A", with: "\n")
            .replacingOccurrences(of: "%25", with: "%")
    }

    static func unescapeProperty(_ text: String) -> String {
        text.replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0A", with: "\n")
            .replacingOccurrences(of: "%3A", with: ":").replacingOccurrences(of: "%2C", with: ",").replacingOccurrences(
                of: "%25", with: "%")
    }
}

@Suite struct GitHubReporterTests {
    static let hostileName = "public.ecr.aws/demo/app:1.0\n::warning::x"
    static let hostilePath = "build/100%,a:b/index.json"

    static var hostile: RunReport {
        let image = ImageResult(
            name: hostileName, path: "build/100%,a:b", manifestPath: hostilePath, manifestDigest: nil,
            platform: "linux/amd64",
            repository: "public.ecr.aws/demo/app", commit: Fixtures.commit, blobs: [], errors: 1, warnings: 0,
            notices: 0)
        let finding = Finding(
            rule: .layerUnavailable, message: "layer gone\r\n::error file=x::forged %0A", path: hostilePath, line: 4,
            commit: Fixtures.commit, image: hostileName, platform: "linux/amd64")
        var summary = Summary()
        summary.images = 1
        summary.errors = 1
        summary.exitCode = 1
        return RunReport(findings: [finding], images: [image], summary: summary)
    }

    @Test func escapingMatchesTheToolkit() {
        #expect(WorkflowCommand.escapeData("100% \r\n:,") == "100%25 %0D%0A:,")
        #expect(WorkflowCommand.escapeProperty("100% \r\n:,") == "100%25 %0D%0A%3A%2C")
        #expect(
            WorkflowCommand("error", properties: [("file", "a,b:c"), ("line", "3")], message: "m\nx").rendered
                == "::error file=a%2Cb%3Ac,line=3::m%0Ax")
        #expect(WorkflowCommand.escapeData("%0A") == "%250A")
    }

    @Test func imageNamesAndPathsCannotInjectCommands() {
        let output = GitHubReporter().render(Self.hostile, options: ReportOptions())
        let commands = RunnerCommand.parse(output)
        #expect(commands.map(\.name) == ["group", "endgroup", "error"], "output was:\n\(output)")
        let error = commands.first { $0.name == "error" }
        #expect(error?.properties["file"] == Self.hostilePath)
        #expect(error?.properties["line"] == "4")
        #expect(
            error?.data.hasPrefix(
                "build/100%,a:b (" + Self.hostileName + ", linux/amd64): layer gone\r\n::error file=x::forged %0A\n")
                == true)
        #expect(output.contains("file=build/100%25%2Ca%3Ab/index.json,line=4,"))
    }

    @Test func textOutputCannotInjectCommandsEither() {
        for options in [ReportOptions(), ReportOptions(gitlabSections: true)] {
            let output = TextReporter().render(Self.hostile, options: options)
            #expect(RunnerCommand.parse(output).isEmpty, "output was:\n\(output)")
        }
        var report = Self.hostile
        report.images[0].name = "::warning::at-line-start"
        report.findings[0].image = report.images[0].name
        let output = TextReporter().render(report, options: ReportOptions())
        #expect(RunnerCommand.parse(output).isEmpty, "output was:\n\(output)")
        #expect(output.contains("build/100%,a:b (::warning::at-line-start, linux/amd64)"))
    }

    @Test func atMostTenAnnotationsPerSeverityAndTheRestCounted() {
        let report = Fixtures.many(errors: 25, warnings: 12, notices: 3)
        let output = GitHubReporter().render(report, options: ReportOptions())
        let names = RunnerCommand.parse(output).map(\.name)
        #expect(names.filter { $0 == "error" }.count == 10)
        #expect(names.filter { $0 == "warning" }.count == 10)
        #expect(names.filter { $0 == "notice" }.count == 3)
        #expect(output.contains("verify-layers: 15 more errors not annotated"))
        #expect(output.contains("verify-layers: 2 more warnings not annotated"))
        #expect(!output.contains("more notice"))
        // Every finding is still in the log, in the group.
        for index in 0..<25 { #expect(output.contains("error number \(index) [layer-unavailable]")) }
    }

    @Test func oneMoreIsSingular() {
        let output = GitHubReporter().render(
            Fixtures.many(errors: 11, warnings: 0, notices: 0), options: ReportOptions())
        #expect(output.contains("verify-layers: 1 more error not annotated"))
    }

    @Test func quietLeavesOutTheListingButNotTheAnnotations() {
        let output = GitHubReporter().render(Fixtures.mixed, options: ReportOptions(quiet: true))
        #expect(!output.contains("ok, 1 blob available"))
        #expect(RunnerCommand.parse(output).filter { $0.name == "error" }.count == 2)
        #expect(GitHubReporter().render(Fixtures.clean, options: ReportOptions(quiet: true)) == "")
    }

    @Test func stepSummaryStaysWithinTheLimit() {
        var report = Fixtures.many(errors: 0, warnings: 0, notices: 0)
        let template = Fixtures.mixed.images[0]
        let long = String(repeating: "long-name-", count: 40)
        report.images = (0..<3_000).map { index in
            var image = template
            image.name = "public.ecr.aws/demo/app-\(long)\(index):1.0"
            image.path = "build/oci/app\(index)"
            return image
        }
        report.summary.images = report.images.count
        let full = GitHubStepSummary.markdown(report)
        #expect(full.utf8.count <= GitHubStepSummary.byteLimit)
        #expect(full.utf8.count > GitHubStepSummary.byteLimit - 2048)
        #expect(full.contains("more images not shown: a job summary is limited to 1 MiB"))
        let small = GitHubStepSummary.markdown(report, byteLimit: 4096)
        #expect(small.utf8.count <= 4096)
        #expect(small.contains("| Image | Repository |"))
        #expect(GitHubStepSummary.markdown(report, byteLimit: 300) == "")
        #expect(!GitHubStepSummary.markdown(Fixtures.mixed).contains("not shown"))
    }

    @Test func stepSummaryCellsCannotBreakTheTable() {
        var report = Fixtures.clean
        report.images[0].name = "a|b\n| x | <script>`y`"
        let markdown = GitHubStepSummary.markdown(report)
        let row = markdown.split(separator: "\n").first { $0.hasPrefix("| build/web.json") }
        #expect(
            row == #"| build/web.json \(a\|b\\n\| x \| \<script\>\`y\`\) | public.ecr.aws/demo/web | — | 1 | none |"#)
    }

    @Test func outputsAreNameValueLines() {
        let lines = GitHubStepSummary.outputs(Fixtures.mixed).split(separator: "\n")
        #expect(lines.contains("checked=7"))
        #expect(lines.contains("unavailable=1"))
        #expect(lines.contains("invalid=0"))
        #expect(lines.allSatisfy { $0.split(separator: "=").count == 2 })
    }
}
