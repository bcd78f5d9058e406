import Foundation
import TestSupport
import Testing

/// ECR Public's `DescribeImages` takes a 12-digit registry id only and, without one, searches the caller's own registry:
/// an image under another account's alias (layers checked there by alias, as `BatchCheckLayerAvailability` allows) must
/// not have its manifest looked up in the caller's registry, where it would be reported missing. The caller's aliases
/// come from `DescribeRegistries`; another account's images are looked up through the registry, or, when the registry
/// is not the service being asked, not at all, and the run says so.
struct AnotherAccountsAliasTests {
    /// The caller owns `demo` (123456789012); `other` (210987654321) is another account's, holding `base` with its
    /// layers and its manifest published under tag 1.
    static func emulator(for image: TestImage) throws -> Emulator {
        let layers = image.blobs.mapValues { ["size": $0] }
        let state: [String: Any] = [
            "credentials": [["accessKeyId": Emulator.accessKey, "secretAccessKey": Emulator.secretKey]],
            "defaultRegistry": "123456789012",
            "registries": [
                ["registryId": "123456789012", "aliases": ["demo"], "repositories": ["app": ["layers": [:]]]],
                [
                    "registryId": "210987654321", "aliases": ["other"],
                    "repositories": [
                        "base": [
                            "layers": layers,
                            "images": [["imageDigest": image.image.manifest.digest, "imageTags": ["1"]]],
                        ]
                    ],
                ],
            ],
        ]
        return try Emulator(state: try JSONSerialization.data(withJSONObject: state))
    }

    static func fixture() throws -> (GitFixture, TestImage) {
        let repo = try GitFixture()
        let image = TestImage("images/base", repository: "base", seed: "1", layers: 2)
        // TestImage names its images under `demo`; this one is under `other`.
        try repo.write(LayoutBuilder.files(at: image.dir, images: [image.image], name: "public.ecr.aws/other/base:1"))
        try repo.commitAll("an image of another account's registry")
        return (repo, image)
    }

    @Test func withoutARegistryToAskTheManifestIsNotLookedUpInTheCallersRegistry() throws {
        let (repo, image) = try Self.fixture()
        let emulator = try Self.emulator(for: image)
        let environment = emulator.environment.merging(["VERIFY_LAYERS_CHECK_MANIFESTS": ""]) { $1 }
        let result = try repo.verifyLayers(["check", "--via", "api"], environment: environment)
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.stdout.contains("ok, 3 blobs available"), "\(result.stdout)")
        #expect(
            result.stderr.contains("the manifests of images in public.ecr.aws/other/base were not looked up"),
            "\(result.stderr)")
        let operations = try emulator.requests().compactMap(\.operation)
        #expect(!operations.contains("DescribeImages"), "never asked in the wrong registry: \(operations)")
        #expect(operations.filter { $0 == "DescribeRegistries" }.count == 1, "\(operations)")
    }

    @Test func withTheRegistryTheManifestIsLookedUpThere() throws {
        let (repo, image) = try Self.fixture()
        let emulator = try Self.emulator(for: image)
        let environment = emulator.environment.merging([
            "VERIFY_LAYERS_CHECK_MANIFESTS": "", "VERIFY_LAYERS_REGISTRY_URL": emulator.url,
        ]) { $1 }
        let result = try repo.verifyLayers(["check", "--via", "api"], environment: environment)
        #expect(result.status == 0, "\(result.combined)")
        #expect(!result.stderr.contains("not looked up"), "\(result.stderr)")
        let manifestHeads = try emulator.registryRequests().filter { $0.operation == "RegistryHeadManifest" }
        #expect(Set(manifestHeads.compactMap(\.repositoryName)) == ["other/base"], "\(manifestHeads)")

        // Unpublished there, it is reported so, from the registry that holds it.
        try emulator.setImage(
            repository: "base", digest: image.image.manifest.digest, present: false, registry: "other")
        let gone = try repo.verifyLayers(["check", "--via", "api", "--format", "json"], environment: environment)
        #expect(gone.status == 1, "\(gone.combined)")
        #expect(gone.stdout.contains("\"manifest-unpublished\""), "\(gone.stdout)")
        #expect(!gone.stdout.contains("\"repository-not-found\""), "\(gone.stdout)")
    }

    @Test func theCallersOwnAliasIsStillLookedUpWithTheAPI() throws {
        let repo = try GitFixture()
        let image = TestImage("images/app", seed: "own", layers: 1)
        try image.write(into: repo)
        try repo.commitAll("an image of the caller's registry")
        let emulator = try Emulator(repositories: ["app": image.blobs])
        try emulator.setImage(repository: "app", digest: image.image.manifest.digest, tags: ["own"])
        let environment = emulator.environment.merging(["VERIFY_LAYERS_CHECK_MANIFESTS": ""]) { $1 }
        let result = try repo.verifyLayers(["check", "--via", "api"], environment: environment)
        #expect(result.status == 0, "\(result.combined)")
        let operations = try emulator.requests().compactMap(\.operation)
        #expect(operations.filter { $0 == "DescribeImages" }.count == 2, "digest and tag: \(operations)")
        #expect(operations.filter { $0 == "DescribeRegistries" }.count == 1, "\(operations)")
    }
}
