import Foundation
import ImageModel
import Testing

@testable import Reports

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct GitLabReporterTests {
    @Test func everyIssueHasTheRequiredFieldsAndAnAllowedSeverity() throws {
        let text = GitLabReporter().render(Fixtures.mixed, options: ReportOptions())
        let issues = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(issues.count == Fixtures.mixed.findings.count)
        for issue in issues {
            #expect((issue["description"] as? String)?.isEmpty == false)
            #expect((issue["check_name"] as? String).flatMap(Rule.init(rawValue:)) != nil)
            #expect((issue["fingerprint"] as? String)?.count == 64)
            #expect(["info", "minor", "major", "critical", "blocker"].contains(issue["severity"] as? String ?? ""))
            let location = issue["location"] as? [String: Any]
            #expect((location?["path"] as? String)?.hasPrefix("/") == false)
            #expect(((location?["lines"] as? [String: Any])?["begin"] as? Int ?? 0) >= 1)
        }
    }

    @Test func fingerprintsAreStableAcrossRunsAndCommits() {
        var later = Fixtures.mixed
        later.summary.durationSeconds = 9.9
        later.findings = later.findings.map { finding in
            var moved = finding
            moved.commit = String(repeating: "f", count: 40)
            moved.line += 3
            return moved
        }
        let first = GitLabReporter().issues(Fixtures.mixed).map(\.fingerprint)
        #expect(first == GitLabReporter().issues(Fixtures.mixed).map(\.fingerprint))
        #expect(first == GitLabReporter().issues(later).map(\.fingerprint))
    }

    @Test func fingerprintsAreUniqueEvenForLookAlikeFindings() {
        var report = Fixtures.mixed
        report.findings.append(report.findings[0])
        report.findings.append(report.findings[0])
        let fingerprints = GitLabReporter().issues(report).map(\.fingerprint)
        #expect(Set(fingerprints).count == fingerprints.count)
        let many = GitLabReporter().issues(Fixtures.many(errors: 40, warnings: 40, notices: 40)).map(\.fingerprint)
        #expect(Set(many).count == 120)
    }

    @Test func fingerprintChangesWithWhatTheFindingIsAbout() {
        let finding = Fixtures.mixed.findings[1]
        var otherDigest = finding
        otherDigest.digest = Fixtures.digest("7")
        var otherPlatform = finding
        otherPlatform.platform = "linux/s390x"
        let prints =
            FindingFingerprint.all([finding]) + FindingFingerprint.all([otherDigest])
            + FindingFingerprint.all([otherPlatform])
        #expect(Set(prints).count == 3)
    }

    @Test func severities() {
        #expect(GitLabReporter.severity(.error) == "major")
        #expect(GitLabReporter.severity(.warning) == "minor")
        #expect(GitLabReporter.severity(.notice) == "info")
        let clean = GitLabReporter().render(Fixtures.clean, options: ReportOptions())
        #expect((try? JSONSerialization.jsonObject(with: Data(clean.utf8)) as? [Any])?.isEmpty == true)
    }
}

@Suite struct SARIFReporterTests {
    @Test func oneRulePerRuleIdWithHelp() throws {
        let log = SARIFReporter().log(Fixtures.mixed, toolVersion: "1.2.3")
        let rules = log.runs[0].tool.driver.rules
        #expect(rules.map(\.id) == Rule.allCases.map(\.rawValue))
        #expect(Set(rules.map(\.id)).count == rules.count)
        #expect(rules.allSatisfy { !$0.help.text.isEmpty && !$0.shortDescription.text.isEmpty })
        for result in log.runs[0].results {
            #expect(rules[result.ruleIndex].id == result.ruleId)
            #expect(result.partialFingerprints[SARIFReporter.fingerprintKey]?.count == 64)
        }
        #expect(log.runs[0].results.map(\.level) == ["error", "error", "note", "warning"])
        #expect(log.runs[0].tool.driver.version == "1.2.3")
    }

    @Test func fingerprintsMatchGitLabs() {
        let sarif = SARIFReporter().log(Fixtures.mixed, toolVersion: "1").runs[0].results.compactMap {
            $0.partialFingerprints[SARIFReporter.fingerprintKey]
        }
        #expect(sarif == GitLabReporter().issues(Fixtures.mixed).map(\.fingerprint))
    }

    @Test func urisAreRepoRelativeAndEncoded() {
        #expect(SARIFReporter.uri("build/oci/app/index.json") == "build/oci/app/index.json")
        #expect(SARIFReporter.uri("my images/a%b,c:d#e?.json") == "my%20images/a%25b%2Cc%3Ad%23e%3F.json")
        #expect(SARIFReporter.uri("café/x") == "caf%C3%A9/x")
    }
}

@Suite struct JUnitReporterTests {
    #if canImport(FoundationXML) || os(macOS)
    @Test func parsesAsXMLWithOneCasePerImage() throws {
        let text = JUnitReporter().render(Fixtures.mixed, options: ReportOptions())
        let document = try XMLDocument(data: Data(text.utf8))
        let cases = try document.nodes(forXPath: "//testcase")
        #expect(cases.count == Fixtures.mixed.images.count + 1)
        #expect(try document.nodes(forXPath: "//testcase/failure").count == 2)
        #expect(try document.nodes(forXPath: "//testcase/skipped").count == 1)
    }

    @Test func hostileTextStaysWellFormed() throws {
        var report = Fixtures.mixed
        report.images[0].name = "a\"b'<c>&d\u{1B}[31m\u{0}"
        report.findings[1].image = report.images[0].name
        report.findings[1].message = "]]></failure><x>\u{1B}\u{7F}\r\n"
        let text = JUnitReporter().render(report, options: ReportOptions())
        let document = try XMLDocument(data: Data(text.utf8))
        let name = try document.nodes(forXPath: "//testcase[1]/@name").first?.stringValue
        #expect(name == "build/oci/app (a\"b'<c>&d\\u{1B}[31m\\u{0}, linux/amd64)")
        #expect(try document.nodes(forXPath: "//x").isEmpty)
    }
    #endif

    @Test func verificationErrorsAreErrorsNotFailures() {
        var report = Fixtures.clean
        report.findings = [
            Finding(
                rule: .verificationError, message: "could not verify 1 blob(s): throttled", path: "build/web.json",
                commit: Fixtures.commit, image: "public.ecr.aws/demo/web:2", repository: "public.ecr.aws/demo/web")
        ]
        report.summary.exitCode = 69
        let text = JUnitReporter().render(report, options: ReportOptions())
        #expect(text.contains("failures=\"0\" errors=\"1\""))
        #expect(text.contains("<error type=\"verification-error\" message=\"could not verify 1 blob(s): throttled\">"))
    }

    @Test func warningsFailOnlyWhenTheyFailedTheRun() {
        var report = Fixtures.clean
        report.findings = [
            Finding(
                rule: .mediaTypeMismatch, message: "media type differs", path: "build/web.json",
                commit: Fixtures.commit,
                image: "public.ecr.aws/demo/web:2")
        ]
        #expect(JUnitReporter().render(report, options: ReportOptions()).contains("failures=\"0\""))
        report.summary.exitCode = 1
        #expect(JUnitReporter().render(report, options: ReportOptions()).contains("failures=\"1\""))
    }
}

@Suite struct TextReporterTests {
    @Test func colourOnlyWhenAsked() {
        #expect(!TextReporter().render(Fixtures.mixed, options: ReportOptions(color: false)).contains("\u{1B}"))
        #expect(TextReporter().render(Fixtures.mixed, options: ReportOptions(color: true)).contains("\u{1B}[31merror:"))
    }

    @Test func quietPrintsOnlyProblems() {
        let quiet = TextReporter().render(Fixtures.mixed, options: ReportOptions(quiet: true))
        #expect(!quiet.contains("notice:"))
        #expect(!quiet.contains(": ok,"))
        #expect(quiet.contains("error: layer"))
        #expect(TextReporter().render(Fixtures.clean, options: ReportOptions(quiet: true)) == "")
    }

    @Test func groupedByImage() {
        let lines = TextReporter().render(Fixtures.mixed, options: ReportOptions()).split(separator: "\n")
        let amd64 = lines.firstIndex(of: "build/oci/app (public.ecr.aws/demo/app:1.0, linux/amd64)")
        let arm64 = lines.firstIndex(of: "build/oci/app (public.ecr.aws/demo/app:1.0, linux/arm64/v8)")
        #expect(amd64 != nil && arm64 != nil)
        if let amd64, let arm64 {
            #expect(lines[amd64 + 1].contains("layer-unavailable"))
            #expect(lines[arm64 + 1].contains("layer-skipped"))
        }
        #expect(lines.last == "4 images, 7 blobs (5 available, 1 unavailable, 1 unverified, 1 skipped) in 0.21s")
    }

    @Test func controlCharactersAreShownNotObeyed() {
        var report = Fixtures.clean
        report.images[0].name = "evil\u{1B}[0Ksection_end:1:verify_layers_images\r\u{1B}[0K"
        let text = TextReporter().render(report, options: ReportOptions(gitlabSections: true, sectionTimestamp: 5))
        #expect(text.components(separatedBy: "section_end:").count == 3)
        #expect(text.contains("build/web.json (evil\\u{1B}[0Ksection_end:1:verify_layers_images\\r\\u{1B}[0K): ok"))
        #expect(
            text.hasPrefix(
                "\u{1B}[0Ksection_start:5:verify_layers_images[collapsed=true]\r\u{1B}[0Kverify-layers: 1 image checked\n"
            ))
    }

    @Test func sectionIsOpenWhenThereAreProblems() {
        let text = TextReporter().render(
            Fixtures.mixed, options: ReportOptions(gitlabSections: true, sectionTimestamp: 5))
        #expect(text.hasPrefix("\u{1B}[0Ksection_start:5:verify_layers_images\r"))
    }
}

@Suite struct ImageGroupsTests {
    @Test func findingsGoToTheirImage() {
        let groups = ImageGroups(Fixtures.mixed).groups
        #expect(
            groups.map(\.label) == [
                "build/oci/app (public.ecr.aws/demo/app:1.0, linux/amd64)",
                "build/oci/app (public.ecr.aws/demo/app:1.0, linux/arm64/v8)",
                "images/tool", "build/web.json (public.ecr.aws/demo/web:2)", "build/oci/broken/index.json",
            ])
        #expect(groups.map(\.findings.count) == [1, 1, 1, 0, 1])
        #expect(groups[4].image == nil)
    }

    @Test func aFindingOfASharedBlobBelongsToEveryImageHoldingIt() {
        var report = Fixtures.mixed
        report.findings = [
            Finding(
                rule: .sizeMismatch, message: "size differs", path: "build/oci/app/index.json", commit: Fixtures.commit,
                image: "public.ecr.aws/demo/app:1.0", digest: Fixtures.digest("d"))
        ]
        #expect(ImageGroups(report).groups.map(\.findings.count) == [0, 1, 0, 0])
        report.findings[0].digest = Fixtures.digest("b")  // shared by both platforms: each of them shows it
        let groups = ImageGroups(report)
        #expect(groups.groups.map(\.findings.count) == [1, 1, 0, 0])
        #expect(groups.labelsByFinding[0] == [groups.groups[0].label, groups.groups[1].label])
        report.findings[0].repository = "public.ecr.aws/demo/other"  // a verdict about another repository is not theirs
        #expect(ImageGroups(report).groups.last?.image == nil)
    }

    @Test func theSameImageListedTwiceGetsTwoDistinctLabels() {
        var report = Fixtures.clean
        report.images.append(report.images[0])
        let labels = ImageGroups(report).groups.map(\.label)
        #expect(
            labels == ["build/web.json (public.ecr.aws/demo/web:2)", "build/web.json (public.ecr.aws/demo/web:2) #2"])
    }

    @Test func placingFindingsScalesWithTheirNumber() {
        let template = Fixtures.mixed.images[0]
        var images: [ImageResult] = []
        var findings: [Finding] = []
        for index in 0..<5000 {
            var image = template
            image.path = "build/oci/app\(index)"
            image.manifestPath = image.path + "/blobs/sha256/m"
            images.append(image)
            findings.append(
                Finding(
                    rule: .layerUnavailable, message: "gone", path: "build/oci/app\(index)/blobs/sha256/x",
                    commit: Fixtures.commit,
                    image: template.name, platform: template.platform))
        }
        // CPU time of this thread, not wall-clock time: other tests and builds sharing the cores do not count.
        func cpu() -> Double {
            var spec = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        }
        let started = cpu()
        let groups = ImageGroups(RunReport(findings: findings, images: images, summary: Summary())).groups
        #expect(cpu() - started < 1)
        #expect(groups.count == 5000)
        #expect(groups.allSatisfy { $0.findings.count == 1 && $0.findings[0].path.hasPrefix($0.path + "/") })
    }

    @Test func anotherCommitIsAnotherImage() {
        var report = Fixtures.mixed
        report.findings = [report.findings[1]]
        report.findings[0].commit = String(repeating: "e", count: 40)
        #expect(ImageGroups(report).groups.last?.image == nil)
    }
}
