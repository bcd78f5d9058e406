import Foundation
import ImageModel
import Pipeline
import Reports
import TestSupport
import Testing

/// A report format that exists only in this test target, added by this one file: proof that a reporter plugs in
/// through `ReporterRegistry` alone (no enum case, no switch, no CLI change).
struct CSVReporter: Reporter {
    static let format = ReportFormat(rawValue: "csv")

    func render(_ report: RunReport, options: ReportOptions) -> String {
        var out = "severity,rule,digest,path,line\n"
        for finding in report.findings {
            out +=
                [
                    finding.severity.rawValue, finding.rule.rawValue, finding.digest ?? "", finding.path,
                    String(finding.line),
                ]
                .joined(separator: ",") + "\n"
        }
        return out
    }
}

@Suite struct ReporterPluginTests {
    let registry = ReporterRegistry.builtIn.adding(CSVReporter.self)

    @Test func registeredFormatIsOfferedAndParsed() throws {
        #expect(registry.formats.map(\.rawValue) == ["text", "json", "github", "gitlab", "junit", "sarif", "csv"])
        #expect(try ReportSpec.parse("csv=out.csv", reporters: registry).format == CSVReporter.format)
        #expect(throws: Failure.self) { try ReportSpec.parse("csv=out.csv") }
        #expect(registry.ciDefault(environment: ["GITLAB_CI": "true"]) == .gitlab)
        #expect(registry.ciDefault(environment: [:]) == nil)
    }

    /// Only a run whose reports show no blob rows lets them go: JSON shows them, and a plug-in is taken to unless it
    /// says otherwise; every other built-in format shows counts.
    @Test func aRunKeepsBlobRowsWhenAnyOfItsFormatsShowsThem() {
        #expect(!registry.showsBlobRows([.text, .github, .gitlab, .junit, .sarif]))
        #expect(registry.showsBlobRows([.text, .json]))
        #expect(registry.showsBlobRows([.text, CSVReporter.format]))
        #expect(registry.showsBlobRows([ReportFormat(rawValue: "unregistered")]))
    }

    /// A real run (git repository, emulator) writes the plug-in's report beside the JSON one; both name the same findings.
    @Test func pluginReportAgreesWithJSONReport() throws {
        let repo = try GitFixture()
        let digests = try repo.umociImage(at: "build/oci/app", files: ["bin/app": "#!/bin/sh\necho hi\n"])
        try repo.annotateName("build/oci/app", name: "public.ecr.aws/demo/app:1.0")
        try repo.commitAll("add image")
        let missing = try #require(digests.layers.first)
        let present = [digests.config: repo.blobSize("build/oci/app", digests.config)]
        let emulator = try Emulator(repositories: ["app": present])
        let output = try TemporaryDirectory(prefix: "vl-plugin")

        var settings = RunSettings()
        settings.directory = repo.path
        settings.reporters = registry
        settings.quiet = true
        settings.format = CSVReporter.format  // stdout too: `--format` resolves through the same registry
        settings.reports = [
            ReportSpec(format: CSVReporter.format, path: output.path + "/report.csv"),
            ReportSpec(format: .json, path: output.path + "/report.json"),
        ]
        let code = try Pipeline.check(
            revision: nil, range: nil, settings: settings,
            environment: GitFixture.baseEnvironment.merging(emulator.environment) { $1 })
        #expect(code == 1)

        let csv = try String(contentsOfFile: output.path + "/report.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let json = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: output.path + "/report.json")))
        let findings = json["findings"]?.arrayValue ?? []
        #expect(rows.count == findings.count)
        for (row, finding) in zip(rows, findings) {
            #expect(row[0] == finding["severity"]?.stringValue)
            #expect(row[1] == finding["rule"]?.stringValue)
            #expect(row[2] == (finding["digest"]?.stringValue ?? ""))
            #expect(row[3] == finding["path"]?.stringValue)
        }
        #expect(rows.contains { $0[1] == "layer-unavailable" && $0[2] == missing })
    }
}
