import Foundation
import TestSupport
import Testing

/// The registry way (`--via registry`, and `auto` without AWS credentials) against the real CNCF distribution registry,
/// open and with token auth (issue 13).
@Suite(.enabled(if: DistributionRegistry.isInstalled, "needs Debian's docker-registry"), .serialized)
struct RegistryWayTests {
    /// PATH with the built verify-layers first, as a user's shell (and the installed hook) would have it.
    static let path =
        ((PackagePaths.binary as NSString).deletingLastPathComponent) + ":"
        + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")

    /// No AWS configuration at all: only the registry override the tests need.
    static func environment(_ registry: String) -> [String: String] {
        [
            "VERIFY_LAYERS_REGISTRY_URL": registry, "PATH": path, "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "VERIFY_LAYERS_CHECK_MANIFESTS": "",
        ]
    }

    /// Hand-built single-image layouts (one per directory), so images can share layers.
    struct Layout {
        let dir: String
        let image: FixtureImage
        let tag: String

        init(_ dir: String, layers: [FixtureBlob], tag: String, repository: String = "acme/app") {
            self.dir = dir
            self.tag = tag
            image = FixtureImage(layers: layers)
            files = LayoutBuilder.files(at: dir, images: [image], name: "public.ecr.aws/\(repository):\(tag)")
        }

        let files: [String: Data]
        var blobDigests: Set<String> { Set([image.config.digest] + image.layers.map(\.digest)) }
        var manifestDigest: String { image.manifest.digest }

        func write(into repo: GitFixture) throws { try repo.write(files) }
        func push(
            to registry: DistributionRegistry, in repo: GitFixture, as tag: String? = nil,
            repository: String = "acme/app"
        ) throws {
            try registry.push("oci:\(repo.path)/\(dir)", to: "\(repository):\(tag ?? self.tag)")
        }
    }

    static func findings(_ stdout: String) throws -> [[String: Any]] {
        let report = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        return report?["findings"] as? [[String: Any]] ?? []
    }

    @Test func hookWithNoAWSConfigurationChecksTheRegistryAndBlocksAfterALayerIsDeleted() throws {
        let registry = try DistributionRegistry()
        let repo = try GitFixture()
        let remote = try GitFixture(bare: true)
        let environment = Self.environment(registry.url)
        let digests = try repo.umociImage(at: "build/oci/app", files: ["etc/app.conf": "port=8080\n"])
        try repo.annotateName("build/oci/app", name: "public.ecr.aws/acme/app:latest")
        try registry.push("oci:\(repo.path)/build/oci/app:latest", to: "acme/app:latest")
        try repo.git(["remote", "add", "origin", remote.path])
        let install = try repo.verifyLayers(["install"], environment: environment)
        #expect(install.status == 0, "\(install.combined)")
        _ = try repo.commitAll("image")

        let first = try Shell.run(
            ["git", "push", "origin", "main"], cwd: repo.path,
            environment: GitFixture.baseEnvironment.merging(environment) { $1 })
        #expect(first.status == 0, "\(first.combined)")
        let report = try repo.verifyLayers(["check", "--format", "json"], environment: environment)
        let summary = (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["summary"]
        #expect((summary as? [String: Any])?["via"] as? String == "registry", "the report says which way was used")

        // The next push brings a new image whose layer was pushed and then deleted from the registry (not in any
        // positive cache, which only ever holds what was confirmed).
        let next = try repo.umociImage(at: "build/oci/next", tag: "next", files: ["etc/next.conf": "port=9090\n"])
        try repo.annotateName("build/oci/next", name: "public.ecr.aws/acme/app:next")
        try registry.push("oci:\(repo.path)/build/oci/next:next", to: "acme/app:next")
        let layer = try #require(Set(next.layers).subtracting(digests.layers).first)
        try registry.deleteBlob("acme/app", digest: layer)
        _ = try repo.commitAll("next image")
        let second = try Shell.run(
            ["git", "push", "origin", "main"], cwd: repo.path,
            environment: GitFixture.baseEnvironment.merging(environment) { $1 })
        #expect(second.status != 0, "\(second.combined)")
        #expect(second.combined.contains("[layer-unavailable]"), "\(second.combined)")
        #expect(second.combined.contains(layer))
        #expect(
            second.combined.contains("build/oci/next/blobs/sha256/\(next.manifest.dropFirst(7)):"),
            "names path and line: \(second.combined)")

        let check = try repo.verifyLayers(["check"], environment: environment)
        #expect(check.status == 1, "exit 1 for a deleted layer: \(check.combined)")
    }

    @Test func tokenAuthOneTokenPerRepositoryAndOneHeadPerDistinctBlob() throws {
        let keys = try TemporaryDirectory(prefix: "vl-token")
        let (key, certificate) = try DistributionRegistry.makeTokenKeyPair(in: keys.path)
        let state = #"{"registries": [{"registryId": "123456789012", "aliases": ["acme"], "repositories": {}}]}"#
        let tokens = try Emulator(state: Data(state.utf8), arguments: ["--token-key", key])
        let repo = try GitFixture()
        let shared = try FixtureBlob.gzipLayer("shared")
        let one = Layout("images/one", layers: [shared, try .gzipLayer("one")], tag: "one")
        let two = Layout("images/two", layers: [shared, try .gzipLayer("two")], tag: "two")
        try one.write(into: repo)
        try two.write(into: repo)
        _ = try repo.commitAll("two images sharing a layer")

        let open = try DistributionRegistry()
        try one.push(to: open, in: repo)
        try two.push(to: open, in: repo)
        open.stop()
        let registry = try DistributionRegistry(
            storage: open.storage, tokenAuth: .init(realm: tokens.url + "/token/", certificatePath: certificate))
        let anonymous = try Shell.run([
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-I",
            "\(registry.url)/v2/acme/app/blobs/\(shared.digest)",
        ])
        #expect(anonymous.stdout == "401", "the registry really demands a token")

        let before = registry.requestLines().count
        let result = try repo.verifyLayers(["check", "--via", "registry"], environment: Self.environment(registry.url))
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.stdout.contains("2 images, 5 blobs (5 available)"), "\(result.stdout)")
        let tokenRequests = try tokens.registryRequests().filter { $0.operation == "RegistryToken" }
        #expect(
            tokenRequests.map(\.repositoryName) == ["acme/app"],
            "one token for the repository, shared by blob and manifest checks")
        let lines = Array(registry.requestLines().dropFirst(before))
        let blobHeads = lines.filter { $0.hasPrefix("HEAD /v2/acme/app/blobs/") }
        #expect(blobHeads.count == 5, "one HEAD per distinct blob: \(blobHeads)")
        #expect(
            Set(blobHeads.map { String($0.split(separator: " ")[1].split(separator: "/").last ?? "") })
                == one.blobDigests.union(two.blobDigests))
        let manifestHeads = lines.filter { $0.hasPrefix("HEAD /v2/acme/app/manifests/") }
        #expect(manifestHeads.count == 4, "two digests and two tags: \(manifestHeads)")
        #expect(lines.filter { $0.hasPrefix("GET /v2/ ") }.count == 1, "one challenge probe: \(lines)")
    }

    @Test func unpublishedManifestMovedTagAndCheckManifestsOff() throws {
        let registry = try DistributionRegistry()
        let repo = try GitFixture()
        let committed = Layout("images/app", layers: [try .gzipLayer("a")], tag: "one")
        let other = Layout("elsewhere/app", layers: [try .gzipLayer("b")], tag: "one")
        try committed.write(into: repo)
        _ = try repo.commitAll("image")
        try committed.push(to: registry, in: repo)
        let scratch = try GitFixture()
        try other.write(into: scratch)
        let environment = Self.environment(registry.url)

        let passing = try repo.verifyLayers(["check", "HEAD"], environment: environment)
        #expect(passing.status == 0, "\(passing.combined)")

        // The tag moves to another image: a warning naming both digests; the manifest itself is still there by digest.
        try other.push(to: registry, in: scratch, as: "one")
        let moved = try repo.verifyLayers(["check", "HEAD", "--format", "json"], environment: environment)
        #expect(moved.status == 0, "tag-mismatch is a warning: \(moved.combined)")
        let mismatch = try #require(try Self.findings(moved.stdout).first { $0["rule"] as? String == "tag-mismatch" })
        #expect(mismatch["severity"] as? String == "warning")
        let message = mismatch["message"] as? String ?? ""
        #expect(message.contains(committed.manifestDigest) && message.contains(other.manifestDigest), "\(message)")

        // Layers all present, manifest gone: manifest-unpublished, exit 1.
        try registry.deleteManifest("acme/app", digest: committed.manifestDigest)
        let unpublished = try repo.verifyLayers(["check", "HEAD", "--format", "json"], environment: environment)
        #expect(unpublished.status == 1, "\(unpublished.combined)")
        let findings = try Self.findings(unpublished.stdout)
        let finding = try #require(findings.first { $0["rule"] as? String == "manifest-unpublished" })
        #expect(finding["digest"] as? String == committed.manifestDigest)
        // Located where the layout names the digest (its index.json entry), not at the manifest blob.
        #expect(finding["path"] as? String == committed.dir + "/index.json")
        #expect((finding["message"] as? String ?? "").contains(committed.manifestDigest))
        #expect(!findings.contains { $0["rule"] as? String == "layer-unavailable" }, "every layer is still there")

        try repo.write(".verify-layers.yml", Data("check-manifests: off\n".utf8))
        _ = try repo.commitAll("manifests off")
        let off = try repo.verifyLayers(["check", "HEAD", "--format", "json"], environment: environment)
        #expect(off.status == 0, "check-manifests: off restores the layer-only check: \(off.combined)")
        #expect(
            try Self.findings(off.stdout).allSatisfy {
                !["manifest-unpublished", "tag-mismatch"].contains($0["rule"] as? String ?? "")
            })

        try repo.write(".verify-layers.yml", Data("check-manifests: warning\n".utf8))
        _ = try repo.commitAll("manifests warn")
        let warned = try repo.verifyLayers(["check", "HEAD", "--format", "json"], environment: environment)
        #expect(warned.status == 0, "\(warned.combined)")
        #expect(
            try Self.findings(warned.stdout).contains {
                $0["rule"] as? String == "manifest-unpublished" && $0["severity"] as? String == "warning"
            })
    }

    /// An image mapped to a repository nobody pushed: the distribution registry answers each HEAD 404 with no body, and
    /// its tag list `404 NAME_UNKNOWN`. One `repository-not-found` says so, not a `layer-unavailable` per blob and a
    /// `manifest-unpublished`; the repository beside it, which exists, is not asked about.
    @Test func aRepositoryNobodyPushedIsRepositoryNotFound() throws {
        let registry = try DistributionRegistry()
        let repo = try GitFixture()
        let published = Layout("images/app", layers: [try .gzipLayer("app")], tag: "one")
        let typo = Layout(
            "images/typo", layers: [try .gzipLayer("t1"), try .gzipLayer("t2")], tag: "one", repository: "acme/ap")
        try published.write(into: repo)
        try typo.write(into: repo)
        _ = try repo.commitAll("one image in a repository that exists, one in a typo")
        try published.push(to: registry, in: repo)

        let result = try repo.verifyLayers(
            ["check", "--via", "registry", "--format", "json"], environment: Self.environment(registry.url))
        #expect(result.status == 1, "\(result.combined)")
        let findings = try Self.findings(result.stdout)
        #expect(findings.map { $0["rule"] as? String } == ["repository-not-found"], "\(findings)")
        #expect(findings.first?["repository"] as? String == "public.ecr.aws/acme/ap", "\(findings)")
        #expect((findings.first?["message"] as? String ?? "").contains("NAME_UNKNOWN"), "\(findings)")
        let lists = registry.requestLines().filter { $0.contains("/tags/list") }
        #expect(lists.count == 1 && lists.allSatisfy { $0.hasPrefix("GET /v2/acme/ap/tags/list") }, "\(lists)")
    }

    @Test func dockerArchiveIsPublishedWhenItsTagNamesTheSameConfigBothWays() throws {
        let registry = try DistributionRegistry()
        let scratch = try GitFixture()
        let digests = try scratch.umociImage(at: "oci", tag: "latest", files: ["etc/app.conf": "x=1\n"])
        let other = try scratch.umociImage(at: "other", tag: "latest", files: ["etc/app.conf": "x=2\n"])
        try registry.push("oci:\(scratch.path)/oci:latest", to: "acme/app:latest")
        let repo = try GitFixture()
        let archive = try Shell.run([
            "skopeo", "copy", "-q", "oci:\(scratch.path)/oci:latest",
            "docker-archive:\(repo.path)/app.tar:public.ecr.aws/acme/app:latest",
        ])
        #expect(archive.status == 0, "\(archive.stderr)")
        _ = try repo.commitAll("docker archive")
        let environment = Self.environment(registry.url)

        let published = try repo.verifyLayers(["check", "--format", "json"], environment: environment)
        #expect(published.status == 0, "the tag's manifest names the archive's config: \(published.combined)")
        #expect(try Self.findings(published.stdout).allSatisfy { $0["rule"] as? String != "manifest-unpublished" })
        #expect(registry.requestLines().contains("GET /v2/acme/app/manifests/latest HTTP/1.1"))

        // The API way reads the config through the registry too (ECR Public's API cannot read a manifest).
        let emulator = try Emulator(
            registry: "acme", repositories: ["app": [digests.config: scratch.blobSize("oci", digests.config)]])
        let apiEnvironment = emulator.environment.merging(environment) { $1 }
        let viaAPI = try repo.verifyLayers(["check", "--via", "api", "--format", "json"], environment: apiEnvironment)
        #expect(viaAPI.status == 0, "\(viaAPI.combined)")
        #expect(try emulator.batchCalls().count == 1)

        // The tag moves to another image: the archive's image is no longer what the tag serves.
        try registry.push("oci:\(scratch.path)/other:latest", to: "acme/app:latest")
        let moved = try repo.verifyLayers(["check", "--format", "json"], environment: environment)
        #expect(moved.status == 1, "\(moved.combined)")
        let finding = try #require(
            try Self.findings(moved.stdout).first { $0["rule"] as? String == "manifest-unpublished" })
        let message = finding["message"] as? String ?? ""
        #expect(message.contains(digests.config) && message.contains(other.config), "\(message)")
        #expect(finding["path"] as? String == "app.tar")
    }

    @Test func unreachableRegistryExits69AndNeverPasses() throws {
        let repo = try GitFixture()
        let image = Layout("images/app", layers: [.layer("x")], tag: "one")
        try image.write(into: repo)
        _ = try repo.commitAll("image")
        let port = try Shell.run([
            "python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])",
        ]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try repo.verifyLayers(
            ["check", "--max-attempts", "2"], environment: Self.environment("http://127.0.0.1:\(port)"))
        #expect(result.status == 69, "\(result.combined)")
        #expect(result.stdout.contains("verification-error"), "\(result.stdout)")
    }

    @Test func registryURLMustBeHTTPSOrLoopback() throws {
        let repo = try GitFixture()
        try repo.write("README", Data("x\n".utf8))
        _ = try repo.commitAll("readme")
        let result = try repo.verifyLayers(
            ["check", "--via", "registry", "--registry-url", "http://registry.example.com"], environment: [:])
        #expect(result.status == 78, "\(result.combined)")
        #expect(result.combined.contains("plain http:// is only allowed to loopback"))
    }
}
