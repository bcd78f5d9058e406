import Foundation
import Testing

@testable import Reports

/// Every reporter against its golden file, on the same fixed run.
@Suite struct GoldenTests {
    static let plain = ReportOptions(toolVersion: "1.2.3")

    @Test(arguments: [
        (ReportFormat.text, "mixed.txt", false),
        (.json, "mixed.json", true),
        (.github, "mixed.github.txt", false),
        (.gitlab, "mixed.gitlab.json", true),
        (.junit, "mixed.junit.xml", false),
        (.sarif, "mixed.sarif", true),
    ])
    func mixedRun(format: ReportFormat, file: String, json: Bool) throws {
        try Golden.check(
            try #require(ReporterRegistry.builtIn.reporter(for: format)).render(Fixtures.mixed, options: Self.plain),
            file, json: json)
    }

    @Test(arguments: [
        (ReportFormat.text, "clean.txt", false),
        (.github, "clean.github.txt", false),
        (.gitlab, "clean.gitlab.json", true),
        (.junit, "clean.junit.xml", false),
        (.sarif, "clean.sarif", true),
    ])
    func cleanRun(format: ReportFormat, file: String, json: Bool) throws {
        try Golden.check(
            try #require(ReporterRegistry.builtIn.reporter(for: format)).render(Fixtures.clean, options: Self.plain),
            file, json: json)
    }

    @Test func textQuiet() throws {
        try Golden.check(TextReporter().render(Fixtures.mixed, options: ReportOptions(quiet: true)), "mixed.quiet.txt")
    }

    @Test func textColour() throws {
        try Golden.check(TextReporter().render(Fixtures.mixed, options: ReportOptions(color: true)), "mixed.color.txt")
    }

    @Test func textGitLabSections() throws {
        let options = ReportOptions(gitlabSections: true, sectionTimestamp: 1_764_000_000)
        try Golden.check(TextReporter().render(Fixtures.mixed, options: options), "mixed.gitlab-sections.txt")
    }

    @Test func githubStepSummary() throws {
        try Golden.check(GitHubStepSummary.markdown(Fixtures.mixed), "mixed.step-summary.md")
    }

    @Test func githubOutputs() throws {
        try Golden.check(GitHubStepSummary.outputs(Fixtures.mixed), "mixed.github-output.txt")
    }
}
