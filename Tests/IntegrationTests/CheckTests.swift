import Foundation
import TestSupport
import Testing

/// End-to-end `verify-layers check` over real git repositories and the ECR Public emulator (issue: walking skeleton).
@Suite struct CheckTests {
    /// A repo with one umoci-built image named public.ecr.aws/demo/app, committed.
    struct UmociRepo {
        let repo: GitFixture
        let config: String
        let layers: [String]
        let manifest: String
        let sizes: [String: Int64]

        init() throws {
            repo = try GitFixture()
            let digests = try repo.umociImage(
                at: "build/oci/app", files: ["etc/app.conf": "port=8080\n", "bin/app": "#!/bin/sh\necho hi\n"])
            try repo.annotateName("build/oci/app", name: "public.ecr.aws/demo/app:1.0")
            config = digests.config
            layers = digests.layers
            manifest = digests.manifest
            var sizes: [String: Int64] = [:]
            for digest in [digests.config] + digests.layers { sizes[digest] = repo.blobSize("build/oci/app", digest) }
            self.sizes = sizes
            try repo.commitAll("add image")
        }

        var manifestPath: String { "build/oci/app/blobs/sha256/" + manifest.dropFirst(7) }
    }

    @Test func allLayersPresentPasses() throws {
        let fixture = try UmociRepo()
        let emulator = try Emulator(repositories: ["app": fixture.sizes])
        let result = try fixture.repo.verifyLayers(["check"], environment: emulator.environment)
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.stdout.contains("1 image, 2 blobs (2 available)"), "\(result.stdout)")
        let calls = try emulator.batchCalls()
        #expect(calls.count == 1)
        #expect(calls.allSatisfy { $0.signatureValid })
        #expect(Set(calls.flatMap { $0.layerDigests ?? [] }) == Set([fixture.config] + fixture.layers))
        #expect(calls.first?.registryId == "demo")
        #expect(calls.first?.repositoryName == "app")
    }

    @Test(arguments: ["failure", "unavailable"])
    func missingLayerFailsNamingDigestPathAndLine(missingStyle: String) throws {
        let fixture = try UmociRepo()
        var present = fixture.sizes
        let missing = try #require(fixture.layers.first)
        present.removeValue(forKey: missing)
        let emulator = try Emulator(repositories: ["app": present], missingStyle: missingStyle)
        let result = try fixture.repo.verifyLayers(["check", "--format", "json"], environment: emulator.environment)
        #expect(result.status == 1, "\(result.combined)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let findings = report?["findings"] as? [[String: Any]] ?? []
        let finding = try #require(findings.first { $0["rule"] as? String == "layer-unavailable" })
        #expect(finding["digest"] as? String == missing)
        #expect(finding["path"] as? String == fixture.manifestPath)
        #expect(finding["severity"] as? String == "error")
        #expect(finding["image"] as? String == "public.ecr.aws/demo/app:1.0")
        #expect(finding["repository"] as? String == "public.ecr.aws/demo/app")
        // umoci writes the manifest on one line; the digest's line must be where it really is.
        let manifestText = try String(contentsOfFile: fixture.repo.path + "/" + fixture.manifestPath, encoding: .utf8)
        let expectedLine = manifestText.components(separatedBy: "\n").firstIndex { $0.contains(missing) }.map { $0 + 1 }
        #expect(finding["line"] as? Int == expectedLine)
        #expect(report?["version"] as? Int == 1)
        let summary = report?["summary"] as? [String: Any]
        #expect(summary?["unavailable"] as? Int == 1)
        #expect(summary?["available"] as? Int == 1)
    }

    @Test func missingConfigBlobFails() throws {
        let fixture = try UmociRepo()
        var present = fixture.sizes
        present.removeValue(forKey: fixture.config)
        let emulator = try Emulator(repositories: ["app": present])
        let result = try fixture.repo.verifyLayers(["check"], environment: emulator.environment)
        #expect(result.status == 1)
        #expect(result.stdout.contains("config blob \(fixture.config) is not available"), "\(result.stdout)")
        #expect(result.stdout.contains("[layer-unavailable]"))
        #expect(result.stdout.contains("\(fixture.manifestPath):1"))
    }

    @Test func wrongSecretExits77() throws {
        let fixture = try UmociRepo()
        let emulator = try Emulator(repositories: ["app": fixture.sizes])
        var environment = emulator.environment
        environment["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
        let result = try fixture.repo.verifyLayers(["check"], environment: environment)
        #expect(result.status == 77, "\(result.combined)")
        #expect(result.stdout.contains("verification-error"))
        #expect(!result.combined.contains("not-the-secret"))
        #expect(try emulator.batchCalls().allSatisfy { !$0.signatureValid })
    }

    @Test func noCredentialsExits77() throws {
        let fixture = try UmociRepo()
        let emulator = try Emulator(repositories: ["app": fixture.sizes])
        var environment = emulator.environment
        environment.removeValue(forKey: "AWS_ACCESS_KEY_ID")
        environment.removeValue(forKey: "AWS_SECRET_ACCESS_KEY")
        let result = try fixture.repo.verifyLayers(["check", "--via", "api"], environment: environment)
        #expect(result.status == 77, "\(result.combined)")
        #expect(result.combined.contains("no AWS credentials found"))
        #expect(try emulator.batchCalls().isEmpty)
    }

    @Test func nothingListeningExits69WithinSeconds() throws {
        let fixture = try UmociRepo()
        let started = Date()
        let environment = [
            "AWS_ACCESS_KEY_ID": Emulator.accessKey, "AWS_SECRET_ACCESS_KEY": Emulator.secretKey,
            "AWS_ENDPOINT_URL_ECR_PUBLIC": "http://127.0.0.1:9", "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let result = try fixture.repo.verifyLayers(["check"], environment: environment)
        #expect(result.status == 69, "\(result.combined)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(result.stdout.contains("ECR Public could not be reached"), "said once, before the images")
        #expect(result.stdout.contains("not verified: 2 blobs (see the error above)"), "\(result.stdout)")
    }

    @Test func onErrorWarnTurnsUnverifiableIntoSuccess() throws {
        let fixture = try UmociRepo()
        let environment = [
            "AWS_ACCESS_KEY_ID": Emulator.accessKey, "AWS_SECRET_ACCESS_KEY": Emulator.secretKey,
            "AWS_ENDPOINT_URL_ECR_PUBLIC": "http://127.0.0.1:9", "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let result = try fixture.repo.verifyLayers(
            ["check", "--on-error", "warn", "--max-attempts", "1"], environment: environment)
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.stdout.contains("warning: ECR Public could not be reached"), "\(result.stdout)")
    }

    @Test func onErrorWarnStillFailsOnAMissingLayer() throws {
        let fixture = try UmociRepo()
        var present = fixture.sizes
        present.removeValue(forKey: fixture.layers[0])
        let emulator = try Emulator(repositories: ["app": present])
        let result = try fixture.repo.verifyLayers(["check", "--on-error", "warn"], environment: emulator.environment)
        #expect(result.status == 1)
    }

    @Test func readsGitObjectsNotTheWorkingTree() throws {
        let fixture = try UmociRepo()
        try fixture.repo.remove("build")
        let emulator = try Emulator(repositories: ["app": fixture.sizes])
        let result = try fixture.repo.verifyLayers(["check", "HEAD"], environment: emulator.environment)
        #expect(result.status == 0, "\(result.combined)")
        #expect(Set(try emulator.batchCalls().flatMap { $0.layerDigests ?? [] }).count == 1 + fixture.layers.count)
    }

    @Test func checksAnOlderRevision() throws {
        let fixture = try UmociRepo()
        let first = try fixture.repo.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try fixture.repo.remove("build")
        try fixture.repo.commitAll("remove image")
        let emulator = try Emulator(repositories: ["app": fixture.sizes])
        let now = try fixture.repo.verifyLayers(["check"], environment: emulator.environment)
        #expect(now.status == 0)
        #expect(now.stdout.contains("0 images"))
        let before = try fixture.repo.verifyLayers(["check", first], environment: emulator.environment)
        #expect(before.status == 0)
        #expect(before.stdout.contains("1 image, 2 blobs"))
    }

    @Test func largeImageIsAskedInBatchesOfAtMost100() throws {
        let repo = try GitFixture()
        let layers = (0..<230).map { FixtureBlob.layer("big-\($0)") }
        let image = FixtureImage(layers: layers)
        try repo.write(LayoutBuilder.files(at: "images/big", images: [image], name: "public.ecr.aws/demo/big:latest"))
        try repo.commitAll()
        var present: [String: Int64] = [:]
        for blob in layers + [image.config] { present[blob.digest] = blob.size }
        let emulator = try Emulator(repositories: ["big": present])
        let result = try repo.verifyLayers(["check"], environment: emulator.environment)
        #expect(result.status == 0, "\(result.combined)")
        let calls = try emulator.batchCalls()
        #expect(calls.count == 3)
        #expect(calls.allSatisfy { ($0.layerDigests?.count ?? 0) <= 100 && $0.signatureValid && $0.status == 200 })
        #expect(Set(calls.flatMap { $0.layerDigests ?? [] }).count == 231)
        #expect(calls.flatMap { $0.layerDigests ?? [] }.count == 231)
    }

    @Test func sharedLayersAreAskedOnce() throws {
        let repo = try GitFixture()
        let base = FixtureBlob.layer("base")
        let one = FixtureImage(layers: [base, FixtureBlob.layer("one")])
        let two = FixtureImage(layers: [base, FixtureBlob.layer("two")])
        try repo.write(LayoutBuilder.files(at: "a", images: [one], name: "public.ecr.aws/demo/app:a"))
        try repo.write(LayoutBuilder.files(at: "b", images: [two], name: "public.ecr.aws/demo/app:b"))
        try repo.commitAll()
        var present: [String: Int64] = [:]
        for blob in one.layers + two.layers + [one.config, two.config] { present[blob.digest] = blob.size }
        let emulator = try Emulator(repositories: ["app": present])
        let result = try repo.verifyLayers(["check"], environment: emulator.environment)
        #expect(result.status == 0, "\(result.combined)")
        let asked = try emulator.batchCalls().flatMap { $0.layerDigests ?? [] }
        #expect(asked.count == Set(asked).count)
        #expect(asked.count == 5)
    }

    @Test func repositoryFlagsOverrideTheAnnotation() throws {
        let fixture = try UmociRepo()
        let emulator = try Emulator(registry: "other", repositories: ["forced": fixture.sizes])
        let result = try fixture.repo.verifyLayers(
            ["check", "--repository", "forced", "--registry-id", "other"], environment: emulator.environment)
        #expect(result.status == 0, "\(result.combined)")
        #expect(try emulator.batchCalls().first?.repositoryName == "forced")
    }

    @Test func unmappedImageIsAWarningAndNotAsked() throws {
        let repo = try GitFixture()
        _ = try repo.umociImage(at: "oci", files: ["a": "b"])
        try repo.commitAll()
        let emulator = try Emulator()
        let result = try repo.verifyLayers(["check"], environment: emulator.environment)
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.stdout.contains("[image-unmapped]"))
        #expect(try emulator.batchCalls().isEmpty)
    }

    @Test func notAGitRepositoryExits78() throws {
        let directory = try TemporaryDirectory()
        let result = try Shell.run(
            [PackagePaths.binary, "check"], cwd: directory.path, environment: GitFixture.baseEnvironment)
        #expect(result.status == 78)
        #expect(result.stderr.contains("not a git repository"))
    }

    /// `check` and `ci` load and initialise libcurl on another thread before parsing their options; a run that ends at
    /// once (a usage error, help, the version) waits for that first, since exiting while OpenSSL initialises on another
    /// thread crashes. Repeated, because the crash depended on timing.
    @Test func aRunThatEndsBeforeAnyCallExitsCleanlyWhileLibcurlStarts() throws {
        let repo = try GitFixture()
        try repo.commitAll()
        let cases: [([String], Int32)] = [
            (["check", "--no-such-flag"], 64), (["ci", "--nope"], 64), (["check", "--help"], 0),
            (["check", "--version", "--verbose"], 0), (["chek"], 64),
        ]
        for (arguments, expected) in cases {
            for _ in 0..<12 {
                let result = try repo.verifyLayers(arguments)
                #expect(result.status == expected, "\(arguments): \(result.status) \(result.stderr)")
            }
        }
        #expect(try repo.verifyLayers(["check", "--version", "--verbose"]).stdout.contains("libcurl"))
    }

    @Test func unknownRevisionAndBadFlagsExit64() throws {
        let repo = try GitFixture()
        try repo.commitAll()
        let unknown = try repo.verifyLayers(["check", "no-such-branch"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown revision 'no-such-branch'"), "\(unknown.stderr)")
        #expect(!unknown.stderr.contains("init.defaultbranch"), "another call's stale libgit2 error: \(unknown.stderr)")
        let range = try repo.verifyLayers(["check", "--range", "no-such-branch..HEAD"])
        #expect(range.status == 64)
        #expect(!range.stderr.contains("init.defaultbranch"), "\(range.stderr)")
        #expect(try repo.verifyLayers(["check", "--no-such-flag"]).status == 64)
        #expect(try repo.verifyLayers(["check", "--format", "yaml"]).status == 64)
        #expect(try repo.verifyLayers(["check", "--concurrency", "0"]).status == 64)
    }

    @Test func plainHttpToANonLoopbackHostIsAConfigError() throws {
        let fixture = try UmociRepo()
        let result = try fixture.repo.verifyLayers(
            ["check", "--endpoint-url", "http://example.com"],
            environment: ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("only allowed to loopback"))
    }

    @Test func emptyRepositoryTreeHasNothingToCheck() throws {
        let repo = try GitFixture()
        try repo.write("README", Data("hello\n".utf8))
        try repo.commitAll()
        let result = try repo.verifyLayers(["check"], environment: ["AWS_EC2_METADATA_DISABLED": "true"])
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.stdout.contains("0 images, 0 blobs"))
    }

    @Test func listCannotBeMadeToPrintAWorkflowCommand() throws {
        let repo = try GitFixture()
        let image = FixtureImage(layers: [FixtureBlob.layer("x")])
        try repo.write(
            LayoutBuilder.files(at: "out", images: [image], name: "::error::forged\n::warning file=x::injected"))
        try repo.commitAll()
        let result = try repo.verifyLayers(["list"])
        #expect(
            !result.stdout.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("::") },
            "\(result.stdout)")
        #expect(result.stdout.contains("forged\\n"))
    }

}
