import Foundation
import TestSupport
import Testing

/// The emulator's ECR Public registry flavour: one state answers both ways (issue 13).
@Suite struct RegistryEmulatorTests {
    /// The emulator's API credentials plus the registry override: `auto` would pick the API, `--via` decides.
    static func environment(_ emulator: Emulator) -> [String: String] {
        emulator.environment.merging(["VERIFY_LAYERS_REGISTRY_URL": emulator.url, "VERIFY_LAYERS_CHECK_MANIFESTS": ""])
        { $1 }
    }

    static func findings(_ stdout: String) throws -> [[String: Any]] {
        let report = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        return report?["findings"] as? [[String: Any]] ?? []
    }

    /// What must agree between the ways: the rule, severity, digest, path and line of every finding (messages carry
    /// each way's own wording of the service's answer).
    static func essence(_ findings: [[String: Any]]) -> [String] {
        findings.map { finding in
            ["rule", "severity", "digest", "path", "image"].map { "\(finding[$0] ?? "-")" }.joined(separator: " ")
                + " line \(finding["line"] ?? 0)"
        }.sorted()
    }

    @Test func sameStateGivesTheSameFindingsBothWays() throws {
        let published = TestImage("images/published", seed: "published", layers: 2)
        let moved = TestImage("images/moved", seed: "moved")
        let unpublished = TestImage("images/unpublished", seed: "unpublished")
        let missingLayer = TestImage("images/missing", seed: "missing", layers: 2)
        var layers: [String: Int64] = [:]
        for image in [published, moved, unpublished, missingLayer] { layers.merge(image.blobs) { $1 } }
        layers.removeValue(forKey: missingLayer.image.layers[1].digest)
        let emulator = try Emulator(repositories: ["app": layers])
        try emulator.setImage(repository: "app", digest: published.image.manifest.digest, tags: ["published"])
        try emulator.setImage(repository: "app", digest: moved.image.manifest.digest)
        try emulator.setImage(repository: "app", digest: "sha256:" + String(repeating: "e", count: 64), tags: ["moved"])
        try emulator.setImage(repository: "app", digest: missingLayer.image.manifest.digest, tags: ["missing"])
        let repo = try GitFixture()
        for image in [published, moved, unpublished, missingLayer] { try image.write(into: repo) }
        _ = try repo.commitAll("four images")

        let api = try repo.verifyLayers(
            ["check", "--via", "api", "--format", "json"], environment: Self.environment(emulator))
        let registry = try repo.verifyLayers(
            ["check", "--via", "registry", "--format", "json"], environment: Self.environment(emulator))
        #expect(api.status == 1, "\(api.combined)")
        #expect(registry.status == api.status, "\(registry.combined)")
        let apiFindings = try Self.findings(api.stdout)
        #expect(Self.essence(try Self.findings(registry.stdout)) == Self.essence(apiFindings))
        let rules = apiFindings.map { $0["rule"] as? String ?? "" }
        #expect(rules.filter { $0 == "manifest-unpublished" }.count == 1)
        #expect(
            rules.filter { $0 == "tag-mismatch" }.count == 2,
            "moved, and the unpublished image's tag that does not exist")
        #expect(rules.filter { $0 == "layer-unavailable" }.count == 1)
        let operations = try emulator.requests().compactMap(\.operation)
        #expect(operations.contains("DescribeImages") && operations.contains("RegistryHeadManifest"))
    }

    /// A HEAD's 404 has no body: a repository that does not exist used to show as every blob unavailable and every
    /// manifest unpublished on the registry way. One `GET …/tags/list` now tells them apart, as the API way's
    /// `RepositoryNotFoundException` does, and a missing blob in a repository that exists stays `layer-unavailable`.
    @Test func aMissingRepositoryIsRepositoryNotFoundBothWays() throws {
        let gone = TestImage("images/gone", repository: "gone", seed: "gone", layers: 2)
        let missingLayer = TestImage("images/app", seed: "app", layers: 2)
        var layers = missingLayer.blobs
        layers.removeValue(forKey: missingLayer.image.layers[1].digest)
        let emulator = try Emulator(repositories: ["app": layers])
        try emulator.setImage(repository: "app", digest: missingLayer.image.manifest.digest, tags: ["app"])
        let repo = try GitFixture()
        for image in [gone, missingLayer] { try image.write(into: repo) }
        _ = try repo.commitAll("an image in a repository that does not exist, one missing a layer")

        let api = try repo.verifyLayers(
            ["check", "--via", "api", "--format", "json"], environment: Self.environment(emulator))
        try emulator.clearRequests()
        let registry = try repo.verifyLayers(
            ["check", "--via", "registry", "--format", "json"], environment: Self.environment(emulator))
        #expect(api.status == 1, "\(api.combined)")
        #expect(registry.status == 1, "\(registry.combined)")
        let found = try Self.findings(registry.stdout)
        #expect(Self.essence(found) == Self.essence(try Self.findings(api.stdout)))
        let goneFindings = found.filter { ($0["image"] as? String)?.contains("/gone:") == true }
        #expect(goneFindings.map { $0["rule"] as? String } == ["repository-not-found"], "\(goneFindings)")
        #expect(
            (goneFindings.first?["message"] as? String)?.contains(
                "The repository with name 'gone' does not exist in the registry with id 'demo'") == true,
            "the registry's own words: \(goneFindings)")
        let appRules = found.filter { ($0["image"] as? String)?.contains("/app:") == true }.map {
            $0["rule"] as? String
        }
        #expect(appRules == ["layer-unavailable"], "a missing blob in a repository that exists: \(appRules)")
        let asked = try emulator.requests().filter { $0.operation == "RegistryListTags" }
        #expect(
            asked.filter { $0.repositoryName == "demo/gone" }.count == 1,
            "one question per repository, for its three blobs and its manifest: \(asked)")

        let text = try repo.verifyLayers(["check", "--via", "registry"], environment: Self.environment(emulator))
        #expect(text.status == 1)
        #expect(text.stdout.components(separatedBy: "[repository-not-found]").count == 2, "\(text.stdout)")
        #expect(
            text.stdout.components(separatedBy: "[layer-unavailable]").count == 2, "only app's layer: \(text.stdout)")
        #expect(
            text.stdout.contains(
                "hint:   aws ecr-public create-repository --repository-name gone --region us-east-1\n"),
            "the hint says how to create it: \(text.stdout)")
        #expect(!text.stdout.contains("--repository-name app"), "app exists: \(text.stdout)")
    }

    @Test func throttledWithRetryAfterIsWaitedOutAndPasses() throws {
        let image = TestImage("images/app", seed: "one", layers: 2)
        let emulator = try Emulator(repositories: ["app": image.blobs])
        try emulator.setImage(repository: "app", digest: image.image.manifest.digest, tags: ["one"])
        let repo = try GitFixture()
        try image.write(into: repo)
        _ = try repo.commitAll("image")
        try emulator.addFaults([["kind": "throttle429", "count": 1, "repository": "app"]])
        let started = Date()
        let result = try repo.verifyLayers(["check", "--via", "registry"], environment: Self.environment(emulator))
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 0, "\(result.combined)")
        let throttled = try emulator.registryRequests().filter { $0.status == 429 }
        #expect(throttled.count == 1)
        #expect(elapsed >= 1, "Retry-After: 1 was honoured (\(elapsed) s)")
    }

    @Test func oneTokenPerRepositoryOneHeadPerDistinctBlobAndConcurrentHeads() throws {
        var images: [TestImage] = []
        var layers: [String: Int64] = [:]
        for index in 0..<6 {
            let image = TestImage("images/app\(index)", seed: "s\(index)", layers: 3)
            images.append(image)
            layers.merge(image.blobs) { $1 }
        }
        let tool = TestImage("images/tool", repository: "tool", seed: "tool")
        let emulator = try Emulator(repositories: ["app": layers, "tool": tool.blobs], latencyMs: 50)
        let repo = try GitFixture()
        for image in images + [tool] { try image.write(into: repo) }
        // The same image under another path: its blobs are asked about once.
        try repo.write(
            LayoutBuilder.files(at: "images/copy", images: [images[0].image], name: "public.ecr.aws/demo/app:copy"))
        try repo.write(".verify-layers.yml", Data("check-manifests: off\n".utf8))
        _ = try repo.commitAll("images")
        let result = try repo.verifyLayers(
            ["check", "--via", "registry", "--concurrency", "8"], environment: Self.environment(emulator))
        #expect(result.status == 0, "\(result.combined)")
        let requests = try emulator.registryRequests()
        let tokens = requests.filter { $0.operation == "RegistryToken" }.compactMap(\.repositoryName)
        #expect(tokens.sorted() == ["demo/app", "demo/tool"], "one token per repository")
        let heads = requests.filter { $0.operation == "RegistryHeadBlob" }.flatMap { $0.layerDigests ?? [] }
        #expect(heads.count == Set(heads).count, "no blob asked twice")
        #expect(Set(heads) == Set(layers.keys).union(tool.digests))
        let most = requests.compactMap(\.inFlight).max() ?? 0
        #expect(most > 1, "HEADs overlap (at most \(most) in flight)")
        #expect(most <= 8 + 1, "the concurrency limit holds (\(most))")
    }

    @Test func explicitRegistryWayWithCredentialsLogsInForAuthenticatedPulls() throws {
        let image = TestImage("images/app", seed: "one")
        let emulator = try Emulator(repositories: ["app": image.blobs])
        try emulator.setImage(repository: "app", digest: image.image.manifest.digest, tags: ["one"])
        let repo = try GitFixture()
        try image.write(into: repo)
        _ = try repo.commitAll("image")
        let result = try repo.verifyLayers(
            ["check", "--via", "registry", "--verbose"], environment: Self.environment(emulator))
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.stderr.contains("authenticated pulls"), "\(result.stderr)")
        let requests = try emulator.requests()
        let login = requests.filter { $0.operation == "GetAuthorizationToken" }
        #expect(login.count == 1 && login.allSatisfy(\.signatureValid))
        let tokens = requests.filter { $0.operation == "RegistryToken" }
        #expect(
            tokens.count == 1 && tokens.allSatisfy { $0.authenticated == true && $0.accessKeyId == Emulator.accessKey })
        #expect(try emulator.batchCalls().isEmpty, "the registry way, not the API, answered the layers")
        #expect(
            !result.combined.contains("Basic ") && !result.combined.contains("Bearer "),
            "neither the login nor a pull token shows")

        let anonymous = try repo.verifyLayers(
            ["check", "--verbose"],
            environment: Self.environment(emulator).filter {
                !$0.key.hasPrefix("AWS_ACCESS") && !$0.key.hasPrefix("AWS_SECRET")
            })
        #expect(anonymous.status == 0, "\(anonymous.combined)")
        #expect(anonymous.stderr.contains("asking via registry"), "auto without credentials: \(anonymous.combined)")
        #expect(try emulator.requests().filter { $0.operation == "RegistryToken" }.last?.authenticated == false)
        #expect(!anonymous.combined.contains("opaque-"), "the anonymous pull token never shows in --verbose output")
    }

    @Test func doctorSaysWhichWayAutoChoseAndWhyAndProbesBoth() throws {
        let image = TestImage("images/app", seed: "one")
        let emulator = try Emulator(repositories: ["app": image.blobs])
        let repo = try GitFixture()
        try image.write(into: repo)
        _ = try repo.commitAll("image")
        let noCredentials = Self.environment(emulator).filter {
            !$0.key.hasPrefix("AWS_ACCESS") && !$0.key.hasPrefix("AWS_SECRET")
        }
        let anonymous = try repo.verifyLayers(["doctor"], environment: noCredentials)
        #expect(anonymous.status == 0, "no credentials is fine when auto asks the registry: \(anonymous.combined)")
        #expect(
            anonymous.stdout.contains("via:         registry (auto: no AWS credentials configured"),
            "\(anonymous.stdout)")
        #expect(
            anonymous.stdout.contains(
                "registry:    \(emulator.url) (VERIFY_LAYERS_REGISTRY_URL); HEAD blob in public.ecr.aws/demo/app"))
        #expect(anonymous.stdout.contains("ok, blob present, 1 token request(s)"), "\(anonymous.stdout)")
        #expect(anonymous.stdout.contains("live call:   skipped (no credentials)"))

        let withKeys = try repo.verifyLayers(["doctor"], environment: Self.environment(emulator))
        #expect(withKeys.status == 0, "\(withKeys.combined)")
        #expect(
            withKeys.stdout.contains("via:         api (auto: AWS credentials from environment"), "\(withKeys.stdout)")
        #expect(withKeys.stdout.contains("ok, blob present"), "both ways are probed: \(withKeys.stdout)")
        #expect(withKeys.stdout.contains("ok, layer available"))
    }
}
