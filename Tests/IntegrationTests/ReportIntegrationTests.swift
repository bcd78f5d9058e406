import Foundation
import TestSupport
import Testing

/// Real runs of the built binary against the emulator, writing every report format at once; the files are checked with
/// independent readers (Python's jsonschema against the SARIF 2.1.0 schema, xml.etree for JUnit).
@Suite(.serialized) struct ReportIntegrationTests {
    /// `../shared/schemas/` beside the repository when present (CI lays it there), else the copy in Tests/schemas.
    static var sarifSchema: String {
        let shared = URL(fileURLWithPath: PackagePaths.root).deletingLastPathComponent().appendingPathComponent(
            "shared/schemas/sarif-schema-2.1.0.json"
        ).path
        return FileManager.default.fileExists(atPath: shared)
            ? shared : PackagePaths.root + "/Tests/schemas/sarif-schema-2.1.0.json"
    }

    /// Two images: `app` fully pushed, `web` missing its layer.
    final class Setup {
        let repo: GitFixture
        let emulator: Emulator
        let out: TemporaryDirectory

        init() throws {
            repo = try GitFixture()
            let app = try repo.umociImage(at: "build/oci/app", files: ["hello.txt": "hello"])
            try repo.annotateName("build/oci/app", name: "public.ecr.aws/demo/app:1.0")
            let web = try repo.umociImage(at: "build/oci/web", files: ["index.html": "<h1>web</h1>"])
            try repo.annotateName("build/oci/web", name: "public.ecr.aws/demo/web:2")
            try repo.commitAll("images")
            var appLayers: [String: Int64] = [:]
            for digest in [app.config] + app.layers { appLayers[digest] = repo.blobSize("build/oci/app", digest) }
            emulator = try Emulator(repositories: [
                "app": appLayers, "web": [web.config: repo.blobSize("build/oci/web", web.config)],
            ])
            out = try TemporaryDirectory(prefix: "vl-reports")
        }

        func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
            try repo.verifyLayers(arguments, environment: emulator.environment.merging(environment) { $1 })
        }
    }

    static func python(_ script: String, _ arguments: [String]) throws -> ProcessResult {
        try Shell.run(["python3", "-c", script] + arguments, timeout: 30)
    }

    @Test func everyReportFromOneRun() throws {
        let setup = try Setup()
        let out = setup.out.path
        let summaryFile = out + "/step-summary.md"
        let outputFile = out + "/github-output"
        try Data("earlier step line".utf8).write(to: URL(fileURLWithPath: outputFile))
        let result = try setup.run(
            [
                "check", "--format", "github", "--report", "sarif=\(out)/r.sarif", "--report", "gitlab=\(out)/gl.json",
                "--report", "junit=\(out)/junit.xml",
            ],
            environment: ["GITHUB_STEP_SUMMARY": summaryFile, "GITHUB_OUTPUT": outputFile])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("::group::verify-layers: 2 images checked"))
        #expect(result.stdout.contains("::error file=build/oci/web/"))

        // SARIF: valid against the 2.1.0 schema, and every URI is a file of the repository.
        let sarifCheck = try Self.python(
            """
            import json, sys, os, jsonschema
            schema = json.load(open(sys.argv[1])); log = json.load(open(sys.argv[2]))
            jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER).validate(log)
            results = log["runs"][0]["results"]
            assert results, "no results"
            for r in results:
                uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                assert not uri.startswith("/") and os.path.isfile(os.path.join(sys.argv[3], uri)), uri
                assert r["partialFingerprints"]
            print(len(results), sorted({r["ruleId"] for r in results}))
            """, [Self.sarifSchema, out + "/r.sarif", setup.repo.path])
        #expect(sarifCheck.status == 0, "\(sarifCheck.stderr)")
        #expect(sarifCheck.stdout.contains("['layer-unavailable']"))

        // JUnit: a standard reader sees one case per image, the web image failing.
        let junitCheck = try Self.python(
            """
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            for case in root.iter("testcase"):
                print(case.get("name"), "FAIL" if case.find("failure") is not None else "PASS")
            """, [out + "/junit.xml"])
        #expect(junitCheck.status == 0, "\(junitCheck.stderr)")
        #expect(
            junitCheck.stdout
                == "build/oci/app (public.ecr.aws/demo/app:1.0, linux/amd64) PASS\nbuild/oci/web (public.ecr.aws/demo/web:2, linux/amd64) FAIL\n"
        )

        // GitHub step summary and outputs were appended.
        let summary = try String(contentsOfFile: summaryFile, encoding: .utf8)
        #expect(
            summary.contains(
                "| build/oci/web \\(public.ecr.aws/demo/web:2, linux/amd64\\) | public.ecr.aws/demo/web | linux/amd64 | 2 | 1 error |"
            ))
        #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
        let outputs = try String(contentsOfFile: outputFile, encoding: .utf8)
        #expect(outputs.hasPrefix("earlier step line\nchecked="))
        #expect(outputs.contains("\nunavailable=1\n"))
        #expect(outputs.contains("\ninvalid=0\n"))
    }

    @Test func stepSummaryKeepsTheStepWithinOneMiB() throws {
        let setup = try Setup()
        let summaryFile = setup.out.path + "/step-summary.md"
        let earlier = Data(repeating: UInt8(ascii: "x"), count: (1 << 20) - 300)
        try earlier.write(to: URL(fileURLWithPath: summaryFile))
        let result = try setup.run(["check", "--format", "github"], environment: ["GITHUB_STEP_SUMMARY": summaryFile])
        #expect(result.status == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: summaryFile)) == earlier)
        #expect(result.stderr.contains("near GitHub's 1 MiB limit"))

        let roomy = Data(repeating: UInt8(ascii: "x"), count: (1 << 20) - 1500)
        try roomy.write(to: URL(fileURLWithPath: summaryFile))
        _ = try setup.run(["check", "--format", "github"], environment: ["GITHUB_STEP_SUMMARY": summaryFile])
        let size = try Data(contentsOf: URL(fileURLWithPath: summaryFile)).count
        #expect(size > roomy.count && size <= 1 << 20)
    }

    @Test func hostileNamesAndPathsInjectNoWorkflowCommand() throws {
        let repo = try GitFixture()
        let dir = "build/100%,a:b/app"
        // umoci reads ':' in a path as a tag separator
        _ = try repo.umociImage(at: "staging/app", files: ["a.txt": "a"])
        try repo.annotateName("staging/app", name: "public.ecr.aws/demo/app:1.0\n::warning::x")
        try FileManager.default.createDirectory(
            atPath: repo.path + "/build/100%,a:b", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: repo.path + "/staging/app", toPath: repo.path + "/" + dir)
        try repo.commitAll("hostile")
        let emulator = try Emulator(repositories: ["app": [:]])
        let result = try repo.verifyLayers(
            ["check", "--format", "github", "--repository", "app", "--registry-id", "demo"],
            environment: emulator.environment)
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let commands = result.stdout.split(separator: "\n").map { $0.drop { $0 == " " || $0 == "\t" } }.filter {
            $0.hasPrefix("::")
        }
        let names = commands.map { $0.dropFirst(2).prefix { $0 != " " && $0 != ":" } }
        #expect(Set(names) == ["group", "endgroup", "error"], "stdout:\n\(result.stdout)")
        #expect(names.filter { $0 == "error" }.count == 2)  // config blob and layer
        #expect(
            commands.filter { $0.hasPrefix("::error") }.allSatisfy {
                $0.hasPrefix("::error file=build/100%25%2Ca%3Ab/app/")
                    && $0.contains("::build/100%25,a:b/app (public.ecr.aws/demo/app:1.0%0A::warning::x, linux/amd64): ")
            }, "stdout:\n\(result.stdout)")
    }

    @Test func gitlabFingerprintsAreIdenticalAcrossRuns() throws {
        let setup = try Setup()
        let out = setup.out.path
        var runs: [[String]] = []
        for index in 0..<2 {
            let result = try setup.run(
                ["check", "--report", "gitlab=\(out)/gl\(index).json"], environment: ["GITLAB_CI": "true"])
            #expect(result.status == 1, "stderr: \(result.stderr)")
            #expect(result.stdout.contains("section_start:"))
            #expect(result.stdout.contains("section_end:"))
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(out)/gl\(index).json"))
            let issues = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
            #expect(
                issues.allSatisfy {
                    ["info", "minor", "major", "critical", "blocker"].contains($0["severity"] as? String ?? "")
                })
            runs.append(issues.compactMap { $0["fingerprint"] as? String })
        }
        #expect(!runs[0].isEmpty)
        #expect(runs[0] == runs[1])
        #expect(Set(runs[0]).count == runs[0].count)
    }

    @Test func textIsPlainOffATerminalAndQuietWhenAsked() throws {
        let setup = try Setup()
        var environment = ["TERM": "xterm-256color"]
        environment["NO_COLOR"] = ""
        let plain = try setup.run(["check"], environment: environment)
        #expect(plain.status == 1)
        #expect(!plain.stdout.contains("\u{1B}"))
        #expect(
            plain.stdout.contains("build/oci/app (public.ecr.aws/demo/app:1.0, linux/amd64): ok, 2 blobs available\n"))
        let quiet = try setup.run(["check", "--quiet"])
        #expect(!quiet.stdout.contains(": ok"))
        #expect(quiet.stdout.hasPrefix("build/oci/web (public.ecr.aws/demo/web:2, linux/amd64)\n  error: layer"))
        #expect(!quiet.stdout.contains("hint:"), "-q leaves the hints out")
        let noColor = try setup.run(["check", "--color", "auto"], environment: ["NO_COLOR": "1"])
        #expect(!noColor.stdout.contains("\u{1B}"))
    }
}
