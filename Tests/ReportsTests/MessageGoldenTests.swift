import Foundation
import ImageModel
import Testing

@testable import Reports

/// The moment of failure, for people: hint lines after a failed check, a run-wide failure said once with its fix, and
/// cache hits in the summary, each against a golden file.
@Suite struct MessageGoldenTests {
    /// `mixed`, with the app's two platforms read from one multi-platform OCI layout tagged 1.0.
    static var failedPush: RunReport {
        var report = Fixtures.mixed
        report.images = report.images.map { image in
            var image = image
            if image.path == "build/oci/app" {
                image.outputKind = "oci-layout"
                image.refName = "1.0"
                image.indexDigests = [Fixtures.digest("0")]
            } else if image.path == "build/web.json" {
                image.outputKind = "manifest-file"
            }
            return image
        }
        return report
    }

    static func options(_ command: HintContext.Command, color: Bool = false, quiet: Bool = false) -> ReportOptions {
        var options = ReportOptions(color: color, quiet: quiet, toolVersion: "1.2.3")
        options.hints = HintContext(command: command)
        return options
    }

    @Test func blockedPushPrintsPublishBypassAndRecheckHints() throws {
        let text = TextReporter().render(Self.failedPush, options: Self.options(.prePush))
        try Golden.check(text, "hints.pre-push.txt")
        #expect(text.contains("hint:   skopeo copy --all oci:build/oci/app:1.0 docker://public.ecr.aws/demo/app:1.0\n"))
        #expect(text.contains("git push --no-verify"))
        #expect(text.contains("VERIFY_LAYERS_SKIP=1"))
    }

    @Test func blockedPushInColour() throws {
        try Golden.check(
            TextReporter().render(Self.failedPush, options: Self.options(.prePush, color: true)),
            "hints.pre-push.color.txt")
    }

    @Test func failedCheckOffersNoPushBypass() throws {
        let text = TextReporter().render(Self.failedPush, options: Self.options(.check))
        try Golden.check(text, "hints.check.txt")
        #expect(!text.contains("--no-verify"))
        #expect(text.contains("hint: to check again: verify-layers check 0123456\n"))
    }

    @Test func quietAndPassingRunsPrintNoHints() {
        #expect(!TextReporter().render(Self.failedPush, options: Self.options(.prePush, quiet: true)).contains("hint:"))
        #expect(!TextReporter().render(Fixtures.clean, options: Self.options(.prePush)).contains("hint:"))
        #expect(
            !TextReporter().render(Self.failedPush, options: ReportOptions()).contains("hint:"), "no context, no hints")
    }

    /// One image per kind of committed output: the transport skopeo reads it with, `--all` only for a multi-platform index,
    /// quoting for a path with a space, and a manual line where no transport exists.
    @Test func publishCommandPerOutputKind() throws {
        func image(
            _ path: String, kind: String?, name: String?, refName: String? = nil, platform: String? = nil,
            index: Bool = false
        ) -> ImageResult {
            var result = ImageResult(
                name: name, path: path, manifestPath: path + "/manifest.json", manifestDigest: nil, platform: platform,
                repository: "public.ecr.aws/demo/"
                    + (path.split(separator: "/").last.map(String.init) ?? "x").replacingOccurrences(of: " ", with: "-")
                    .replacingOccurrences(of: ".tar", with: "").replacingOccurrences(of: ".gz", with: "")
                    .replacingOccurrences(of: ".json", with: ""),
                commit: Fixtures.commit,
                blobs: [
                    BlobResult(
                        digest: Fixtures.blobDigest("c"), size: 1, mediaType: MediaType.ociConfig, role: .config,
                        status: .unavailable)
                ],
                errors: 1, warnings: 0, notices: 0, refName: refName, indexDigests: index ? [Fixtures.digest("0")] : [])
            result.outputKind = kind
            return result
        }
        let images = [
            image(
                "out/oci-archive.tar", kind: "oci-archive", name: "public.ecr.aws/demo/oci-archive:2.1", refName: "2.1",
                platform: "linux/amd64", index: true),
            image(
                "out/oci-archive.tar", kind: "oci-archive", name: "public.ecr.aws/demo/oci-archive:2.1", refName: "2.1",
                platform: "linux/arm64", index: true),
            image("out/docker.tar", kind: "docker-archive", name: "public.ecr.aws/demo/docker:3", refName: "3"),
            // skopeo does not read a compressed docker archive: the hint decompresses it first.
            image("out/saved.tar.gz", kind: "docker-archive", name: "public.ecr.aws/demo/saved:4", refName: "4"),
            image("out/skopeo dir", kind: "skopeo-dir", name: nil),
            image("out/single", kind: "oci-layout", name: "public.ecr.aws/demo/single:v1", refName: "v1"),
            image("out/standalone.json", kind: "manifest-file", name: nil),
        ]
        var summary = Summary()
        summary.exitCode = 1
        let report = RunReport(findings: [], images: images, summary: summary)
        let lines = PublishHints.lines(report, context: HintContext(command: .prePush)).joined(separator: "\n") + "\n"
        try Golden.check(lines, "hints.transports.txt")
    }

    /// A repository that does not exist gets the command that creates it, once per repository, with a nested name kept
    /// whole and a name that needs quoting quoted; a warning-level finding of the rule (none today) would not.
    @Test func missingRepositoriesGetTheCommandThatCreatesThem() {
        func missing(_ repository: String, severity: Severity = .error) -> Finding {
            Finding(
                rule: .repositoryNotFound, severity: severity, message: "\(repository) does not exist in ECR Public",
                path: "img/index.json", commit: Fixtures.commit, repository: repository)
        }
        var summary = Summary()
        summary.exitCode = 1
        let report = RunReport(
            findings: [
                missing("public.ecr.aws/demo/team/app"), missing("public.ecr.aws/demo/team/app"),
                missing("public.ecr.aws/123456789012/it's"), missing("public.ecr.aws/demo/soft", severity: .warning),
            ], images: [], summary: summary)
        let lines = PublishHints.lines(report, context: HintContext(command: .check))
        #expect(
            lines == [
                "create the missing repositories (or correct the image name or `images:` mapping; `verify-layers list` shows it):",
                "  aws ecr-public create-repository --repository-name team/app --region us-east-1",
                "  aws ecr-public create-repository --repository-name 'it'\\''s' --region us-east-1",
                "to check again: verify-layers check 0123456",
            ], "\(lines)")
    }

    /// No credentials at all: one error with the sources tried and the fix, then "not verified" per image; JSON keeps one
    /// finding per image as before.
    static var noCredentials: RunReport {
        var report = Fixtures.clean
        let cause =
            "no AWS credentials found (tried: environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set; shared files: no [default] profile)"
        report.images = report.images.map { image in
            var image = image
            for position in image.blobs.indices { image.blobs[position].status = .unverified }
            image.errors = 1
            return image
        }
        report.findings = report.images.map { image in
            Finding(
                rule: .verificationError,
                message: "could not verify \(image.blobs.count) blob(s) in \(image.repository ?? ""): \(cause)",
                path: image.manifestPath, commit: image.commit, image: image.name, repository: image.repository)
        }
        report.summary.available = 0
        report.summary.unverified = 1
        report.summary.errors = 1
        report.summary.exitCode = 77
        report.runWide = RunWideFailure(
            kind: .noCredentials, cause: cause,
            tried: ["environment", "web identity", "shared files", "container", "EC2 instance metadata"])
        return report
    }

    @Test func noCredentialsIsSaidOnceWithItsFix() throws {
        let text = TextReporter().render(Self.noCredentials, options: Self.options(.prePush))
        try Golden.check(text, "run-wide.no-credentials.txt")
        #expect(text.components(separatedBy: "no AWS credentials found").count == 2, "said exactly once")
        #expect(text.contains("aws configure"))
        #expect(text.contains("aws sso login"))
        #expect(text.contains("verify-layers doctor"))
        #expect(!text.contains("[verification-error]\n    at"), "no per-image repetition of the cause")
        let json = JSONReporter().render(Self.noCredentials, options: ReportOptions())
        #expect(json.components(separatedBy: "\"verification-error\"").count - 1 == Self.noCredentials.findings.count)
    }

    @Test func unreachableEndpointIsSaidOnceWithItsFix() throws {
        var report = Self.noCredentials
        report.runWide = RunWideFailure(
            kind: .connection, cause: "could not connect to 127.0.0.1:9 (Couldn't connect to server) after 3 attempts")
        report.summary.exitCode = 69
        try Golden.check(TextReporter().render(report, options: Self.options(.check)), "run-wide.connection.txt")
    }

    @Test func cacheHitsAreCountedAndListedWithTheTTLUnderVerbose() throws {
        var options = ReportOptions()
        options.cacheTTL = "1h"
        options.listCached = true
        var report = Fixtures.clean
        report.images[0].blobs[0].cached = true
        report.summary.cached = 1
        let text = TextReporter().render(report, options: options)
        try Golden.check(text, "cache.verbose.txt")
        #expect(text.contains("(1 available, 1 from cache) in "), "SPEC §6's summary form:\n\(text)")
        #expect(text.contains("from cache within 1h: public.ecr.aws/demo/web sha256:"))
    }
}
