import Checking
import Foundation
import ImageModel
import TestSupport
import Testing

@testable import Registry

/// The registry client itself against the real distribution registry: what the HEADs and GETs return.
@Suite(.enabled(if: DistributionRegistry.isInstalled, "needs Debian's docker-registry"))
struct RegistryClientTests {
    static func client(_ registry: DistributionRegistry) -> RegistryClient {
        RegistryClient(
            endpoint: RegistryEndpoint(url: registry.url, source: "test"),
            configuration: ClientConfiguration(
                endpoint: Endpoint(url: "http://127.0.0.1:9", region: "us-east-1", source: "test")))
    }

    @Test func manifestByDigestByTagAndReadForItsConfig() throws {
        let registry = try DistributionRegistry()
        let repo = try GitFixture()
        let digests = try repo.umociImage(at: "oci", tag: "v1", files: ["a": "b\n"])
        try registry.push("oci:\(repo.path)/oci:v1", to: "acme/app:v1")
        let client = Self.client(registry)
        let repository = RepositoryRef(registryId: "acme", repositoryName: "app")
        let byDigest = ManifestQuery(repository: repository, reference: digests.manifest)
        let byTag = ManifestQuery(repository: repository, reference: "v1")
        let config = ManifestQuery(repository: repository, reference: "v1", readsConfig: true)
        let gone = ManifestQuery(repository: repository, reference: "v2")
        let answers = client.checkManifests([byDigest, byTag, config, gone])
        #expect(answers[byDigest] == .present(digest: digests.manifest))
        #expect(answers[byTag] == .present(digest: digests.manifest))
        #expect(answers[config] == .present(digest: digests.manifest, config: digests.config))
        if case .missing? = answers[gone] {
        } else {
            Issue.record("v2 is not there: \(String(describing: answers[gone]))")
        }
        #expect(client.tokenRequests == 0, "an open registry needs no token")
        let lines = registry.requestLines()
        #expect(
            lines.contains("GET /v2/acme/app/manifests/v1 HTTP/1.1")
                && lines.contains("HEAD /v2/acme/app/manifests/v1 HTTP/1.1"))
    }

    /// A registry (a mirror, a cache) whose tag HEAD names no `Docker-Content-Digest` says the tag exists, not where it
    /// points: the manifest is downloaded and its bytes' digest compared, so a moved tag is still seen, never taken as
    /// matching.
    @Test func aTagHeadWithoutADigestIsSettledByDownloadingTheManifest() throws {
        let registry = try DistributionRegistry()
        let repo = try GitFixture()
        let first = try repo.umociImage(at: "one", tag: "v1", files: ["a": "1\n"])
        let second = try repo.umociImage(at: "two", tag: "v2", files: ["a": "2\n"])
        try registry.push("oci:\(repo.path)/one:v1", to: "acme/app:v1")
        try registry.push("oci:\(repo.path)/two:v2", to: "acme/app:moved")
        let proxy = try HeaderStrippingProxy(upstream: registry.url, stripping: ["Docker-Content-Digest"])
        let client = RegistryClient(
            endpoint: RegistryEndpoint(url: proxy.url, source: "test"),
            configuration: ClientConfiguration(
                endpoint: Endpoint(url: "http://127.0.0.1:9", region: "us-east-1", source: "test")))
        let repository = RepositoryRef(registryId: "acme", repositoryName: "app")
        let tag = ManifestQuery(repository: repository, reference: "v1")
        let moved = ManifestQuery(repository: repository, reference: "moved")
        let byDigest = ManifestQuery(repository: repository, reference: first.manifest)
        let answers = client.checkManifests([tag, moved, byDigest])
        #expect(answers[tag] == .present(digest: first.manifest))
        #expect(answers[moved] == .present(digest: second.manifest), "where the tag points, not 'matching'")
        #expect(answers[byDigest] == .present(digest: nil), "a digest's HEAD needs no digest back")
        let lines = registry.requestLines()
        #expect(lines.filter { $0.hasPrefix("GET /v2/acme/app/manifests/") }.count == 2, "one GET per tag: \(lines)")
        #expect(!lines.contains("GET /v2/acme/app/manifests/\(first.manifest) HTTP/1.1"))
    }

    @Test func blobSizesComeFromContentLength() throws {
        let registry = try DistributionRegistry()
        let repo = try GitFixture()
        let digests = try repo.umociImage(at: "oci", tag: "v1", files: ["a": "b\n"])
        try registry.push("oci:\(repo.path)/oci:v1", to: "acme/app:v1")
        let layerText = try #require(digests.layers.first)
        let layer = try #require(Digest(layerText))
        let missing = try #require(Digest("sha256:" + String(repeating: "0", count: 64)))
        let batch = LayerBatch(
            repository: RepositoryRef(registryId: "acme", repositoryName: "app"), digests: [layer, missing])
        let answer = try #require(Self.client(registry).check([batch]).first)
        let expected = LayerAnswer.available(size: repo.blobSize("oci", layerText), mediaType: nil)
        #expect(answer.answers[layer] == expected)
        if case .unavailable? = answer.answers[missing] {
        } else {
            Issue.record("\(String(describing: answer.answers[missing]))")
        }
        #expect(answer.failure == nil && answer.digestFailures.isEmpty)
    }

    @Test func anAccountIdHasNoRegistryURL() {
        let configuration = ClientConfiguration(
            endpoint: Endpoint(url: "http://127.0.0.1:9", region: "us-east-1", source: "test"))
        let client = RegistryClient(
            endpoint: RegistryEndpoint(url: "http://127.0.0.1:9", source: "test"), configuration: configuration)
        let digest = Digest("sha256:" + String(repeating: "1", count: 64))!
        let answer = client.check([
            LayerBatch(repository: RepositoryRef(registryId: nil, repositoryName: "app"), digests: [digest])
        ]).first
        #expect(answer?.failure?.message.contains("needs a registry alias") == true)
        #expect(client.requestsSent == 0)
    }
}
