import Foundation
import ImageModel
import TestSupport
import Testing

/// End-to-end reading (issue 3): every shape users commit, built by real tools where one exists (umoci, skopeo, git-lfs) and by
/// hand otherwise, checked by the built binary against the ECR Public emulator. For each shape every config and layer blob is
/// asked about exactly once, and a layer removed from the emulator is reported with the right rule, path, line, platform, image.
@Suite struct ReadingTests {
    // MARK: - Real tools

    @Test func umociLayout() throws {
        let repo = try GitFixture()
        let digests = try repo.umociImage(at: "build/oci/app", files: ["etc/app.conf": "port=8080\n"])
        try repo.annotateName("build/oci/app", name: "public.ecr.aws/demo/app:1.0")
        try repo.commitAll()
        let manifest = "build/oci/app/blobs/sha256/" + digests.manifest.dropFirst(7)
        try checkShape(
            repo, blobs: sizes(repo, "build/oci/app", [digests.config] + digests.layers),
            removed: Removed(
                digest: digests.layers[0], path: manifest, repo: repo, platform: "linux/amd64",
                image: "public.ecr.aws/demo/app:1.0"))
    }

    /// umoci (and skopeo `oci:dir:tag`) name an image by a bare tag. Mapped by the config to an alias, the image has a
    /// full reference all the same: its findings carry it as `image`, as the JSON image's `name` and the text label do.
    @Test func aBareTagLayoutMappedByTheConfigIsNamedByItsFullReference() throws {
        let repo = try GitFixture()
        let digests = try repo.umociImage(at: "build/oci/app", tag: "v1", files: ["etc/app.conf": "port=8080\n"])
        try repo.write(
            ".verify-layers.yml", Data("registry: demo\nimages:\n  - path: build/oci/app\n    repository: app\n".utf8))
        try repo.commitAll()
        let present = [digests.config: repo.blobSize("build/oci/app", digests.config)]
        let emulator = try Emulator(repositories: ["app": present])
        let result = try repo.verifyLayers(
            ["check", "--format", "json", "--report", "text=\(repo.path)/report.txt"], environment: emulator.environment
        )
        #expect(result.status == 1, "\(result.combined)")
        let envelope = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.combined)")
        let reference = "public.ecr.aws/demo/app:v1"
        let images = envelope["images"] as? [[String: Any]] ?? []
        #expect(images.map { $0["name"] as? String } == [reference], "\(images)")
        let unavailable = (envelope["findings"] as? [[String: Any]] ?? []).filter {
            $0["rule"] as? String == "layer-unavailable"
        }
        #expect(unavailable.count == 1 && unavailable.allSatisfy { $0["image"] as? String == reference })
        #expect(images.first?["errors"] as? Int == 1, "the finding is the image's")
        let text = try String(contentsOfFile: repo.path + "/report.txt", encoding: .utf8)
        #expect(text.contains("build/oci/app (\(reference), linux/amd64)"), "\(text)")
    }

    /// A layout whose containerd name is on Docker Hub but whose `ref.name` is a full ECR Public reference is mapped by
    /// the reference that names ECR Public.
    @Test func aRefNameOnECRPublicMapsWhenTheContainerdNameIsElsewhere() throws {
        let repo = try GitFixture()
        let digests = try repo.umociImage(at: "build/oci/app", files: ["hello": "world\n"])
        try repo.annotateName("build/oci/app", name: "docker.io/library/app:1.0")
        let url = URL(fileURLWithPath: repo.path + "/build/oci/app/index.json")
        var index = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var manifests = index["manifests"] as? [[String: Any]] ?? []
        var annotations = manifests[0]["annotations"] as? [String: String] ?? [:]
        annotations["org.opencontainers.image.ref.name"] = "public.ecr.aws/demo/app:1.0"
        manifests[0]["annotations"] = annotations
        index["manifests"] = manifests
        try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys]).write(to: url)
        try repo.commitAll()
        let blobs = sizes(repo, "build/oci/app", [digests.config] + digests.layers)
        let emulator = try Emulator(repositories: ["app": blobs])
        let result = try repo.verifyLayers(["check"], environment: emulator.environment)
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.stdout.contains("ok, 2 blobs available"), "\(result.stdout)")
    }

    @Test func skopeoDirCopiedFromAnOCILayout() throws {
        let repo = try GitFixture()
        let digests = try repo.umociImage(at: "work/oci", files: ["hello": "world\n"])
        try FileManager.default.createDirectory(atPath: repo.path + "/vendor", withIntermediateDirectories: true)
        let copy = try Shell.run([
            "skopeo", "copy", "-q", "oci:\(repo.path)/work/oci:latest", "dir:\(repo.path)/vendor/app",
        ])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(
            try String(contentsOfFile: repo.path + "/vendor/app/version", encoding: .utf8).hasPrefix(
                "Directory Transport Version"))
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.write(
            ".verify-layers.yml", Data("registry: demo\nimages:\n  - path: vendor/app\n    repository: app\n".utf8))
        try repo.commitAll()
        try checkShape(
            repo, blobs: sizes(repo, "vendor/app", [digests.config] + digests.layers, skopeo: true),
            removed: Removed(
                digest: digests.layers[0], path: "vendor/app/manifest.json", repo: repo, platform: "linux/amd64",
                image: nil))
    }

    @Test func skopeoDirOfAMultiPlatformImage() throws {
        let repo = try GitFixture()
        let amd = FixtureImage(layers: [FixtureBlob.layer("amd")], platform: ["os": "linux", "architecture": "amd64"])
        let arm = FixtureImage(
            layers: [FixtureBlob.layer("arm"), FixtureBlob.layer("arm2")],
            platform: ["os": "linux", "architecture": "arm64", "variant": "v8"])
        try repo.write(LayoutBuilder.files(at: "work/multi", images: [amd, arm], name: nil, multiPlatform: true))
        try FileManager.default.createDirectory(atPath: repo.path + "/vendor", withIntermediateDirectories: true)
        let copy = try Shell.run([
            "skopeo", "copy", "-q", "--all", "oci:\(repo.path)/work/multi", "dir:\(repo.path)/vendor/multi",
        ])
        #expect(copy.status == 0, "\(copy.stderr)")
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.write(
            ".verify-layers.yml", Data("images:\n  - path: vendor/*\n    repository: app\n    registry: demo\n".utf8))
        try repo.commitAll()
        let manifest = "vendor/multi/\(arm.manifest.hex).manifest.json"
        #expect(
            FileManager.default.fileExists(atPath: repo.path + "/" + manifest),
            "skopeo names per-platform manifests <hex>.manifest.json")
        try checkShape(
            repo, blobs: blobSizes([amd, arm]),
            removed: Removed(
                digest: arm.layers[1].digest, path: manifest, repo: repo, platform: "linux/arm64/v8", image: nil))
    }

    @Test func layoutCommittedThroughGitLFS() throws {
        let repo = try GitFixture()
        try repo.git(["lfs", "install", "--local"])
        try repo.git(["lfs", "track", "images/**"])
        let digests = try repo.umociImage(at: "images/app", files: ["big": String(repeating: "lfs ", count: 1000)])
        try repo.annotateName("images/app", name: "public.ecr.aws/demo/app:lfs")
        try repo.commitAll()
        #expect(
            try repo.git(["show", "HEAD:images/app/index.json"]).stdout.hasPrefix(
                "version https://git-lfs.github.com/spec/v1"))
        let manifest = "images/app/blobs/sha256/" + digests.manifest.dropFirst(7)
        try checkShape(
            repo, blobs: sizes(repo, "images/app", [digests.config] + digests.layers),
            removed: Removed(
                digest: digests.layers[0], path: manifest, repo: repo, platform: "linux/amd64",
                image: "public.ecr.aws/demo/app:lfs"))

        // The same commit in a checkout without LFS objects must fail, saying how to fetch them, and ask about nothing.
        try FileManager.default.removeItem(atPath: repo.path + "/.git/lfs/objects")
        let emulator = try Emulator(repositories: ["app": [:]])
        let result = try repo.verifyLayers(["check", "--format", "json"], environment: emulator.environment)
        #expect(result.status == 1, "\(result.combined)")
        let finding = try #require(findings(result).first { $0["rule"] as? String == "lfs-object-missing" })
        #expect(finding["path"] as? String == "images/app/index.json")
        #expect((finding["message"] as? String)?.contains("git lfs fetch") == true)
        #expect(try emulator.batchCalls().isEmpty)
    }

    // MARK: - Hand-built shapes

    @Test func nestedIndexesOfAMultiPlatformImage() throws {
        let repo = try GitFixture()
        let amd = FixtureImage(
            layers: [FixtureBlob.layer("n-amd")], platform: ["os": "linux", "architecture": "amd64"])
        let arm = FixtureImage(
            layers: [FixtureBlob.layer("n-arm")], platform: ["os": "linux", "architecture": "arm64"])
        var files = LayoutBuilder.files(at: "oci/nested", images: [amd, arm], name: nil, includeBlobs: true)
        let inner = indexBlob([amd, arm].map { descriptor($0.manifest, platform: $0.platform) })
        let outer = indexBlob(
            [inner.descriptor], annotations: ["io.containerd.image.name": "public.ecr.aws/demo/app:nested"])
        for blob in [inner, outer] { files["oci/nested/blobs/sha256/\(blob.hex)"] = blob.data }
        files["oci/nested/index.json"] = indexBlob([outer.descriptor]).data
        try repo.write(files)
        try repo.commitAll()
        try checkShape(
            repo, blobs: blobSizes([amd, arm]),
            removed: Removed(
                digest: arm.layers[0].digest, path: "oci/nested/blobs/sha256/\(arm.manifest.hex)", repo: repo,
                platform: "linux/arm64", image: "public.ecr.aws/demo/app:nested"))
    }

    @Test func dockerManifestListWithSchema2ManifestsAndAForeignLayer() throws {
        let repo = try GitFixture()
        let gzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
        let foreign = FixtureBlob.layer(
            "windows-base", mediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")
        let windows = FixtureImage(
            layers: [foreign, FixtureBlob.layer("win-app", mediaType: gzip)],
            platform: ["os": "windows", "architecture": "amd64"],
            manifestMediaType: MediaType.dockerManifest, configMediaType: MediaType.dockerConfig)
        let linux = FixtureImage(
            layers: [FixtureBlob.layer("lin-app", mediaType: gzip)],
            platform: ["os": "linux", "architecture": "amd64"],
            manifestMediaType: MediaType.dockerManifest, configMediaType: MediaType.dockerConfig)
        var files = LayoutBuilder.files(at: "docker", images: [windows, linux], name: nil)
        // foreign layers are never in a layout or a registry
        files.removeValue(forKey: "docker/blobs/sha256/\(foreign.hex)")
        let list = indexBlob(
            [windows, linux].map { descriptor($0.manifest, platform: $0.platform) }, mediaType: MediaType.dockerList)
        files["docker/blobs/sha256/\(list.hex)"] = list.data
        files["docker/index.json"] =
            indexBlob([
                list.descriptor.merging(["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:win"]]) {
                    $1
                }
            ]).data
        try repo.write(files)
        try repo.commitAll()
        var blobs = blobSizes([windows, linux])
        blobs.removeValue(forKey: foreign.digest)
        let first = try checkShape(
            repo, blobs: blobs,
            removed: Removed(
                digest: windows.layers[1].digest, path: "docker/blobs/sha256/\(windows.manifest.hex)", repo: repo,
                platform: "windows/amd64", image: "public.ecr.aws/demo/app:win"))
        let skipped = try #require(findings(first).first { $0["rule"] as? String == "layer-skipped" })
        #expect(skipped["digest"] as? String == foreign.digest)
        #expect(skipped["severity"] as? String == "notice")
        #expect(skipped["platform"] as? String == "windows/amd64")
    }

    @Test func buildxAttestationManifests() throws {
        let repo = try GitFixture()
        let app = FixtureImage(
            layers: [FixtureBlob.layer("att-app")], platform: ["os": "linux", "architecture": "amd64"])
        let statement = FixtureBlob.layer("in-toto-statement", mediaType: MediaType.inToto)
        let attestation = FixtureImage(layers: [statement], platform: ["os": "unknown", "architecture": "unknown"])
        var files = LayoutBuilder.files(at: "buildx", images: [app, attestation], name: nil)
        var attestationEntry = attestation.manifest.descriptor
        attestationEntry["platform"] = ["os": "unknown", "architecture": "unknown"]
        attestationEntry["annotations"] = [
            "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": app.manifest.digest,
        ]
        let list = indexBlob([descriptor(app.manifest, platform: app.platform), attestationEntry])
        files["buildx/blobs/sha256/\(list.hex)"] = list.data
        files["buildx/index.json"] =
            indexBlob([
                list.descriptor.merging(["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:att"]]) {
                    $1
                }
            ]).data
        try repo.write(files)
        try repo.commitAll()
        try checkShape(
            repo, blobs: blobSizes([app, attestation]),
            removed: Removed(
                digest: statement.digest, path: "buildx/blobs/sha256/\(attestation.manifest.hex)", repo: repo,
                platform: "unknown/unknown", image: "public.ecr.aws/demo/app:att"))
    }

    @Test func subjectReferrerWithTheEmptyDescriptor() throws {
        let repo = try GitFixture()
        let app = FixtureImage(
            layers: [FixtureBlob.layer("signed-app")], platform: ["os": "linux", "architecture": "arm64"])
        let empty = FixtureBlob(data: Data("{}".utf8), mediaType: MediaType.ociEmpty)
        let signature = FixtureBlob.layer("sig", mediaType: "application/vnd.dev.cosign.simplesigning.v1+json")
        var emptyDescriptor = empty.descriptor
        emptyDescriptor["data"] = "e30="
        let referrer = FixtureBlob(
            data: try JSONSerialization.data(
                withJSONObject: [
                    "schemaVersion": 2, "mediaType": MediaType.ociManifest,
                    "artifactType": "application/vnd.dev.cosign.artifact.sig.v1+json",
                    "config": emptyDescriptor, "layers": [signature.descriptor], "subject": app.manifest.descriptor,
                ], options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]), mediaType: MediaType.ociManifest)
        var files = LayoutBuilder.files(at: "signed", images: [app], name: "public.ecr.aws/demo/app:signed")
        for blob in [empty, signature, referrer] { files["signed/blobs/sha256/\(blob.hex)"] = blob.data }
        var top = try JSONSerialization.jsonObject(with: files["signed/index.json"] ?? Data()) as? [String: Any] ?? [:]
        var entries = top["manifests"] as? [[String: Any]] ?? []
        entries.append(
            referrer.descriptor.merging(["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:signed"]])
            { $1 })
        top["manifests"] = entries
        files["signed/index.json"] = try JSONSerialization.data(
            withJSONObject: top, options: [.sortedKeys, .prettyPrinted])
        try repo.write(files)
        try repo.commitAll()
        var blobs = blobSizes([app])
        blobs[empty.digest] = 2
        blobs[signature.digest] = signature.size
        try checkShape(
            repo, blobs: blobs,
            removed: Removed(
                digest: signature.digest, path: "signed/blobs/sha256/\(referrer.hex)", repo: repo,
                platform: "linux/arm64", image: "public.ecr.aws/demo/app:signed"))
    }

    @Test func uncompressedLayersWarnOncePerImage() throws {
        let repo = try GitFixture()
        let tar = "application/vnd.oci.image.layer.v1.tar"
        let layers = [FixtureBlob.layer("tar1", mediaType: tar), FixtureBlob.layer("tar2", mediaType: tar)]
        let image = FixtureImage(layers: layers, diffIDs: layers.map(\.digest))
        try repo.write(LayoutBuilder.files(at: "saved", images: [image], name: "public.ecr.aws/demo/app:saved"))
        try repo.commitAll()
        let first = try checkShape(
            repo, blobs: blobSizes([image]),
            removed: Removed(
                digest: layers[1].digest, path: "saved/blobs/sha256/\(image.manifest.hex)", repo: repo,
                platform: "linux/amd64", image: "public.ecr.aws/demo/app:saved"))
        let warnings = findings(first).filter { $0["rule"] as? String == "layer-uncompressed" }
        #expect(warnings.count == 1)
        #expect((warnings.first?["message"] as? String)?.contains("docker save") == true)
    }

    @Test func standaloneManifestNamedInTheConfig() throws {
        let repo = try GitFixture()
        let image = FixtureImage(layers: [FixtureBlob.layer("standalone"), FixtureBlob.layer("standalone-2")])
        try repo.write("deploy/app.manifest.json", image.manifest.data)
        try repo.write(
            ".verify-layers.yml",
            Data("registry: demo\nimages:\n  - path: deploy/app.manifest.json\n    repository: app\n".utf8))
        try repo.commitAll()
        try checkShape(
            repo, blobs: blobSizes([image]),
            removed: Removed(
                digest: image.layers[1].digest, path: "deploy/app.manifest.json", repo: repo, platform: nil, image: nil)
        )
    }

    // MARK: - Config file and list

    @Test func configErrorsExit78NamingKeyAndLine() throws {
        let repo = try GitFixture()
        try repo.write(
            ".verify-layers.yml", Data("registry: demo\nimages:\n  - path: x\n    repository: app\n    tag: v1\n".utf8))
        try repo.commitAll()
        let result = try repo.verifyLayers(["list"])
        #expect(result.status == 78)
        #expect(result.stderr.contains(".verify-layers.yml:5: unknown key `images.tag`"), "\(result.stderr)")

        // --config reads a file instead of the committed one; wrong types are config errors too.
        try repo.write("other.yml", Data("strict: sometimes\n".utf8))
        let other = try repo.verifyLayers(["list", "--config", "other.yml"])
        #expect(other.status == 78)
        #expect(other.stderr.contains("other.yml:1: `strict` must be true or false"), "\(other.stderr)")
        // `--config /dev/null` is an empty config (no settings), as AWS_CONFIG_FILE=/dev/null is: the committed one
        // with its bad key is not read.
        let none = try repo.verifyLayers(["list", "--config", "/dev/null"])
        #expect(none.status == 0, "\(none.combined)")
        let missing = try repo.verifyLayers(["list", "--config", "no-such.yml"])
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("cannot read config file no-such.yml"), "\(missing.stderr)")
    }

    @Test func configIsReadFromTheCheckedCommitNotTheWorkingTree() throws {
        let repo = try GitFixture()
        let image = FixtureImage(layers: [FixtureBlob.layer("cfg")])
        try repo.write(LayoutBuilder.files(at: "out/app", images: [image], name: nil))
        try repo.write(
            ".verify-layers.yml",
            Data("registry: demo\nimages:\n  - path: out/*\n    repository: app\nexclude: [\"old/**\"]\n".utf8))
        try repo.write(LayoutBuilder.files(at: "old/broken", images: [image], name: nil))
        try repo.write("old/broken/index.json", Data("{not json".utf8))
        try repo.commitAll()
        try repo.write(".verify-layers.yml", Data("bogus: key\n".utf8))  // uncommitted: must not matter
        let result = try repo.verifyLayers(["list", "--format", "json"])
        #expect(result.status == 0, "\(result.combined)")
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let images = listing["images"] as? [[String: Any]] ?? []
        #expect(images.map { $0["path"] as? String } == ["out/app"], "old/** is excluded")
        #expect(images.first?["repository"] as? String == "public.ecr.aws/demo/app")
        #expect((listing["findings"] as? [Any])?.isEmpty == true)
    }

    /// `list`'s text and JSON count the same blobs: each distinct one per repository, as `check` asks about it, not each
    /// reference (two platforms sharing a layer share it once).
    @Test func listTextAndJSONCountTheSameDistinctBlobs() throws {
        let repo = try GitFixture()
        let shared = FixtureBlob.layer("shared")
        let amd = FixtureImage(layers: [shared], platform: ["os": "linux", "architecture": "amd64"])
        let arm = FixtureImage(layers: [shared], platform: ["os": "linux", "architecture": "arm64"])
        try repo.write(
            LayoutBuilder.files(
                at: "multi", images: [amd, arm], name: "public.ecr.aws/demo/app:2", multiPlatform: true))
        try repo.commitAll()
        let text = try repo.verifyLayers(["list"])
        let json = try repo.verifyLayers(["list", "--format", "json"])
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let layers = try #require((listing["summary"] as? [String: Any])?["layers"] as? Int)
        #expect(layers == 3, "two configs and the shared layer once: \(json.stdout)")
        #expect(text.stdout.contains("2 image(s), \(layers) blob(s), 0 error(s), 0 warning(s)"), "\(text.stdout)")
    }

    /// A committed two-platform layout (`multi`, public.ecr.aws/demo/app:2) whose arm64 layer blob was tampered with.
    func tamperedMultiPlatformLayout() throws -> (GitFixture, amd: FixtureImage, arm: FixtureImage) {
        let repo = try GitFixture()
        let amd = FixtureImage(
            layers: [FixtureBlob.layer("l-amd")], platform: ["os": "linux", "architecture": "amd64"])
        let arm = FixtureImage(
            layers: [FixtureBlob.layer("l-arm")], platform: ["os": "linux", "architecture": "arm64"])
        var files = LayoutBuilder.files(
            at: "multi", images: [amd, arm], name: "public.ecr.aws/demo/app:2", multiPlatform: true)
        files["multi/blobs/sha256/\(arm.layers[0].hex)"] = Data("tampered".utf8)
        try repo.write(files)
        try repo.commitAll()
        return (repo, amd, arm)
    }

    /// `list --format json` and `check --format json` share one envelope (SPEC §6), down to each image's keys, and list
    /// counts each image's findings as check attributes them: a tampered layer of one platform is that image's error.
    @Test func listAndCheckJSONImagesHaveTheSameKeysAndCounts() throws {
        let (repo, amd, arm) = try tamperedMultiPlatformLayout()
        var blobs: [String: Int64] = [:]
        for image in [amd, arm] {
            for blob in [image.config] + image.layers { blobs[blob.digest] = blob.size }
        }
        let emulator = try Emulator(repositories: ["app": blobs])
        func images(_ arguments: [String]) throws -> [[String: Any]] {
            let result = try repo.verifyLayers(arguments + ["--format", "json"], environment: emulator.environment)
            let envelope = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            return envelope["images"] as? [[String: Any]] ?? []
        }
        let listed = try images(["list"])
        let checked = try images(["check"])
        #expect(listed.count == 2 && checked.count == 2)
        for (list, check) in zip(listed, checked) {
            #expect(
                Set(check.keys).subtracting(list.keys).isEmpty, "list lacks \(Set(check.keys).subtracting(list.keys))")
            for key in [
                "label", "name", "path", "manifestPath", "platform", "repository", "commit", "errors", "warnings",
            ] {
                #expect("\(list[key] ?? "nil")" == "\(check[key] ?? "nil")", "\(key)")
            }
        }
        #expect(
            listed.map { $0["errors"] as? Int } == [0, 2],
            "the tampered arm64 layer (its digest and size) is that image's")
    }

    /// `list` shows what `check` would ask about: without `check-config-blob`, neither shows the config blob, and both
    /// count the same blobs.
    @Test func listLeavesOutConfigBlobsWhenCheckDoes() throws {
        let image = TestImage("images/app", seed: "no-config", layers: 2)
        let repo = try GitFixture()
        try image.write(into: repo)
        try repo.write(".verify-layers.yml", Data("check-config-blob: false\n".utf8))
        try repo.commitAll("an image whose config blob is not checked")
        let emulator = try Emulator(repositories: ["app": image.blobs])
        func summary(_ arguments: [String]) throws -> ([String: Any], [[String: Any]]) {
            let result = try repo.verifyLayers(arguments + ["--format", "json"], environment: emulator.environment)
            let envelope = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.combined)"
            )
            return (envelope["summary"] as? [String: Any] ?? [:], envelope["images"] as? [[String: Any]] ?? [])
        }
        let (listed, listedImages) = try summary(["list"])
        let (checked, _) = try summary(["check"])
        #expect(listed["layers"] as? Int == 2, "\(listed)")
        #expect(checked["layers"] as? Int == 2, "\(checked)")
        let roles = (listedImages.first?["blobs"] as? [[String: Any]] ?? []).compactMap { $0["role"] as? String }
        #expect(roles == ["layer", "layer"], "no config row: \(roles)")
        let text = try repo.verifyLayers(["list"], environment: emulator.environment)
        #expect(!text.stdout.contains("config \(image.image.config.digest)"), "\(text.stdout)")
        #expect(text.stdout.contains("layer  \(image.image.layers[0].digest)"), "\(text.stdout)")
    }

    /// A docker archive's uncompressed layers are not asked about; without `check-config-blob` nothing of it is, and
    /// `list` says so rather than "only the config blob can be checked".
    @Test func listSaysNothingOfAnUncompressedDockerArchiveIsCheckedWithoutTheConfigBlob() throws {
        let repo = try GitFixture()
        _ = try repo.umociImage(at: "work/oci", tag: "v1", files: ["hello": "world\n"])
        let copy = try Shell.run([
            "skopeo", "copy", "-q", "oci:\(repo.path)/work/oci:v1",
            "docker-archive:\(repo.path)/app.tar:public.ecr.aws/demo/app:1",
        ])
        #expect(copy.status == 0, "\(copy.stderr)")
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.write(".verify-layers.yml", Data("check-config-blob: false\n".utf8))
        try repo.commitAll()
        let list = try repo.verifyLayers(["list"])
        #expect(list.stdout.contains("nothing can be checked (check-config-blob is off)"), "\(list.stdout)")
        #expect(!list.stdout.contains("only the config blob can be checked\n"), "\(list.stdout)")
        #expect(list.stdout.contains("1 image(s), 0 blob(s)"), "\(list.stdout)")

        // `check` agrees: its layer-uncompressed finding no longer promises that the config blob is checked.
        let emulator = try Emulator(repositories: ["app": [:]])
        let check = try repo.verifyLayers(["check", "--format", "json"], environment: emulator.environment)
        let report = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        let findings = report?["findings"] as? [[String: Any]] ?? []
        let uncompressed = try #require(findings.first { $0["rule"] as? String == "layer-uncompressed" })
        #expect(
            (uncompressed["message"] as? String ?? "").hasSuffix("nothing of this image is checked"), "\(uncompressed)")
        #expect(try emulator.requests().filter { $0.operation == "BatchCheckLayerAvailability" }.isEmpty)
    }

    /// `--color` (SPEC §1.2) works for `list` as for `check`: severities coloured when asked or on a terminal, never
    /// when piped, with `NO_COLOR`, or in a `--report` file.
    @Test func listColoursSeveritiesAsAsked() throws {
        let (repo, _, _) = try tamperedMultiPlatformLayout()
        let report = repo.path + "/listing.txt"
        let always = try repo.verifyLayers(["list", "--color", "always", "--report", "text=\(report)"])
        #expect(always.status == 1, "\(always.combined)")
        #expect(always.stdout.contains("\u{1B}[31merror:\u{1B}[0m "), "\(always.stdout)")
        #expect(!(try String(contentsOfFile: report, encoding: .utf8)).contains("\u{1B}["), "no colour in a file")
        for arguments in [["list", "--color", "never"], ["list"]] {
            let plain = try repo.verifyLayers(arguments)
            #expect(plain.stdout.contains("error: ") && !plain.stdout.contains("\u{1B}["), "\(arguments)")
        }
    }

    @Test func listShowsImagesLayersSizesAndFindingsOffline() throws {
        let (repo, amd, arm) = try tamperedMultiPlatformLayout()
        // No credentials and an endpoint nobody listens on: list must not need either.
        let environment = ["AWS_ENDPOINT_URL_ECR_PUBLIC": "http://127.0.0.1:9", "AWS_EC2_METADATA_DISABLED": "true"]
        let text = try repo.verifyLayers(["list"], environment: environment)
        #expect(text.status == 1, "a local digest mismatch is an error: \(text.combined)")
        for expected in [
            "multi (public.ecr.aws/demo/app:2, linux/amd64)", "multi (public.ecr.aws/demo/app:2, linux/arm64)",
            "repository: public.ecr.aws/demo/app",
            "layer  \(amd.layers[0].digest) \(amd.layers[0].size) bytes",
            "config \(arm.config.digest) \(arm.config.size) bytes",
            "error: layer \(String(arm.layers[0].digest.prefix(19))): multi/blobs/sha256/\(arm.layers[0].hex) hashes to",
            "[digest-mismatch]",
            "at multi/blobs/sha256/\(arm.manifest.hex):\(lineOf(arm.layers[0].digest, in: arm.manifest.data))",
            "2 image(s), 4 blob(s), 2 error(s), 0 warning(s)",
        ] {
            #expect(text.stdout.contains(expected), "missing \(expected) in:\n\(text.stdout)")
        }
        let json = try repo.verifyLayers(["list", "--format", "json"], environment: environment)
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let images = listing["images"] as? [[String: Any]] ?? []
        #expect(images.compactMap { $0["platform"] as? String } == ["linux/amd64", "linux/arm64"])
        #expect(images.allSatisfy { ($0["blobs"] as? [[String: Any]])?.count == 2 })
        let rules = (listing["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
        #expect(rules.sorted() == ["digest-mismatch", "size-mismatch"])
        // `--report` (SPEC §1.2: only the service options are not list's) writes the same listings to files.
        let reports = try TemporaryDirectory(prefix: "vl-list-reports")
        let reported = try repo.verifyLayers(
            ["list", "--report", "json=\(reports.path)/l.json", "--report", "text=\(reports.path)/l.txt"],
            environment: environment)
        #expect(reported.status == 1)
        #expect(try String(contentsOfFile: reports.path + "/l.txt", encoding: .utf8) == text.stdout)
        #expect(try String(contentsOfFile: reports.path + "/l.json", encoding: .utf8) == json.stdout)

        // `list <rev>` reads that commit's tree, whatever HEAD holds now.
        try repo.remove("multi")
        try repo.commitAll("remove the image")
        #expect(try repo.verifyLayers(["list"], environment: environment).stdout.contains("0 image(s)"))
        let older = try repo.verifyLayers(["list", "HEAD~1"], environment: environment)
        #expect(older.stdout.contains("2 image(s), 4 blob(s)"), "\(older.stdout)")
        #expect(try repo.verifyLayers(["list", "no-such-rev"]).status == 64)
    }

    @Test func hostileLayoutIsAFindingNotACrash() throws {
        let repo = try GitFixture()
        let image = FixtureImage(layers: [FixtureBlob.layer("ok")])
        var files = LayoutBuilder.files(at: "evil", images: [image], name: "public.ecr.aws/demo/app:evil")
        var manifest = try JSONSerialization.jsonObject(with: image.manifest.data) as? [String: Any] ?? [:]
        manifest["layers"] =
            (manifest["layers"] as? [[String: Any]] ?? []) + [
                ["mediaType": "x", "digest": "sha256:../../../../etc/passwd", "size": 1]
            ]
        let evil = FixtureBlob(
            data: try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys]),
            mediaType: MediaType.ociManifest)
        files["evil/blobs/sha256/\(evil.hex)"] = evil.data
        files["evil/index.json"] =
            indexBlob([
                evil.descriptor.merging(["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:evil"]]) {
                    $1
                },
                [
                    "mediaType": MediaType.ociIndex, "digest": "sha256:" + String(repeating: "d", count: 64),
                    "size": 1 << 40,
                ],
            ]).data
        try repo.write(files)
        try repo.commitAll()
        let emulator = try Emulator(repositories: ["app": blobSizes([image])])
        let result = try repo.verifyLayers(
            ["check", "--format", "json"], environment: emulator.environment, timeout: 20)
        #expect(result.status == 1, "\(result.combined)")
        let rules = findings(result).compactMap { $0["rule"] as? String }
        #expect(rules.sorted() == ["layer-invalid", "manifest-invalid"])
        let asked = try emulator.batchCalls().flatMap { $0.layerDigests ?? [] }
        #expect(asked.sorted() == blobSizes([image]).keys.sorted(), "the invalid digest is never sent")
    }

    // MARK: - Helpers

    /// Where the removed layer must be reported.
    struct Removed {
        var digest: String
        var path: String
        var line: Int
        var platform: String?
        var image: String?

        init(digest: String, path: String, repo: GitFixture, platform: String?, image: String?) {
            self.digest = digest
            self.path = path
            self.line = lineOf(
                digest, in: (try? Data(contentsOf: URL(fileURLWithPath: repo.path + "/" + path))) ?? Data())
            self.platform = platform
            self.image = image
        }
    }

    /// Checks with every blob present (each asked exactly once, exit 0), then with one layer removed (exit 1, finding where it must be).
    /// Returns the first run's JSON report.
    @discardableResult
    func checkShape(
        _ repo: GitFixture, blobs: [String: Int64], removed: Removed, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ProcessResult {
        let emulator = try Emulator(repositories: ["app": blobs])
        let first = try repo.verifyLayers(["check", "--format", "json"], environment: emulator.environment)
        #expect(first.status == 0, "\(first.combined)", sourceLocation: sourceLocation)
        let asked = try emulator.batchCalls().flatMap { $0.layerDigests ?? [] }
        #expect(
            asked.sorted() == blobs.keys.sorted(), "every config and layer blob asked exactly once",
            sourceLocation: sourceLocation)

        try emulator.setLayer(
            repository: "app", digest: removed.digest, size: blobs[removed.digest] ?? 0, present: false)
        try emulator.clearRequests()
        let second = try repo.verifyLayers(["check", "--format", "json"], environment: emulator.environment)
        #expect(second.status == 1, "\(second.combined)", sourceLocation: sourceLocation)
        let unavailable = findings(second).filter { $0["rule"] as? String == "layer-unavailable" }
        #expect(unavailable.count == 1, "\(second.stdout)", sourceLocation: sourceLocation)
        let finding = unavailable.first ?? [:]
        #expect(finding["digest"] as? String == removed.digest, sourceLocation: sourceLocation)
        #expect(finding["path"] as? String == removed.path, sourceLocation: sourceLocation)
        #expect(finding["line"] as? Int == removed.line, sourceLocation: sourceLocation)
        #expect(finding["platform"] as? String == removed.platform, sourceLocation: sourceLocation)
        #expect(finding["image"] as? String == removed.image, sourceLocation: sourceLocation)
        #expect(finding["repository"] as? String == "public.ecr.aws/demo/app", sourceLocation: sourceLocation)
        #expect(
            try emulator.batchCalls().flatMap { $0.layerDigests ?? [] }.sorted() == blobs.keys.sorted(),
            sourceLocation: sourceLocation)
        return first
    }
}

private func findings(_ result: ProcessResult) -> [[String: Any]] {
    let report = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    return report?["findings"] as? [[String: Any]] ?? []
}

/// The 1-based line of the first occurrence of `needle`; 1 when absent (as the tool reports an unknown line).
private func lineOf(_ needle: String, in data: Data) -> Int {
    let text = String(decoding: data, as: UTF8.self)
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where line.contains(needle) { return index + 1 }
    return 1
}

/// Sizes of blobs in a layout (or skopeo dir) on disk.
private func sizes(_ repo: GitFixture, _ dir: String, _ digests: [String], skopeo: Bool = false) -> [String: Int64] {
    var result: [String: Int64] = [:]
    for digest in digests {
        let path = repo.path + "/" + dir + (skopeo ? "/" : "/blobs/sha256/") + digest.dropFirst(7)
        result[digest] =
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? -1
    }
    return result
}

/// Config and layer blobs of hand-built images with their sizes.
private func blobSizes(_ images: [FixtureImage]) -> [String: Int64] {
    var result: [String: Int64] = [:]
    for image in images {
        for blob in [image.config] + image.layers { result[blob.digest] = blob.size }
    }
    return result
}

private func descriptor(_ blob: FixtureBlob, platform: [String: String]?) -> [String: Any] {
    var result = blob.descriptor
    if let platform { result["platform"] = platform }
    return result
}

private func indexBlob(
    _ entries: [[String: Any]], mediaType: String = MediaType.ociIndex, annotations: [String: String]? = nil
) -> FixtureBlob {
    var json: [String: Any] = ["schemaVersion": 2, "mediaType": mediaType, "manifests": entries]
    if let annotations { json["annotations"] = annotations }
    let data =
        (try? JSONSerialization.data(
            withJSONObject: json, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
    return FixtureBlob(data: data, mediaType: mediaType)
}
