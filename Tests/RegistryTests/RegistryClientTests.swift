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
