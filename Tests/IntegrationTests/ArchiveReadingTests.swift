import Foundation
import ImageModel
import TestSupport
import Testing

/// Tar archives end to end (issue 11): archives written by real tools (skopeo `oci-archive:` / `docker-archive:`, GNU tar over a
/// hand-built legacy `docker save` tree, Python's tarfile for a hostile one), committed plainly and through Git LFS, read by the
/// built binary and checked against the ECR Public emulator.
@Suite struct ArchiveReadingTests {
    static let name = "public.ecr.aws/demo/app:v1"

    /// A umoci image at `layout` (named), and its (config, layers, manifest) digests with sizes.
    func umociLayout(_ repo: GitFixture, at layout: String = "work/oci") throws -> (
        blobs: [String: Int64], manifest: String, layers: [String], config: String
    ) {
        let digests = try repo.umociImage(
            at: layout, files: ["etc/app.conf": "port=8080\n", "bin/app": "#!/bin/sh\necho hi\n"])
        try repo.annotateName(layout, name: ArchiveReadingTests.name)
        var blobs: [String: Int64] = [:]
        for digest in [digests.config] + digests.layers { blobs[digest] = repo.blobSize(layout, digest) }
        return (blobs, digests.manifest, digests.layers, digests.config)
    }

    func skopeo(_ repo: GitFixture, from layout: String, to destination: String) throws {
        let file = destination.split(separator: ":")[1]
        try FileManager.default.createDirectory(
            atPath: (repo.path + "/" + file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let result = try Shell.run(
            ["skopeo", "copy", "-q", "oci:\(repo.path)/\(layout):latest", destination], cwd: repo.path)
        #expect(result.status == 0, "\(result.stderr)")
    }

    func check(_ repo: GitFixture, _ emulator: Emulator, _ extra: [String] = []) throws -> (
        ProcessResult, [[String: Any]], [String]
    ) {
        try emulator.clearRequests()
        let result = try repo.verifyLayers(["check", "--format", "json"] + extra, environment: emulator.environment)
        let asked = try emulator.batchCalls().flatMap { $0.layerDigests ?? [] }
        return (result, findings(result), asked)
    }

    // MARK: - oci-archive

    @Test func ociArchiveAsksWhatTheUnpackedLayoutAsks() throws {
        let repo = try GitFixture()
        let image = try umociLayout(repo, at: "build/oci/app")
        try repo.commitAll("unpacked")
        let emulator = try Emulator(repositories: ["app": image.blobs])
        let (unpacked, _, unpackedAsked) = try check(repo, emulator)
        #expect(unpacked.status == 0, "\(unpacked.combined)")

        try skopeo(repo, from: "build/oci/app", to: "oci-archive:build/app.oci.tar:\(ArchiveReadingTests.name)")
        try FileManager.default.removeItem(atPath: repo.path + "/build/oci")
        try repo.commitAll("archived")
        let (archived, archivedFindings, archivedAsked) = try check(repo, emulator)
        #expect(archived.status == 0, "\(archived.combined)")
        #expect(archivedFindings.isEmpty, "\(archived.stdout)")
        #expect(archivedAsked.sorted() == unpackedAsked.sorted(), "the same blobs, each once, as the unpacked layout")
        #expect(archivedAsked.sorted() == image.blobs.keys.sorted())

        // A layer gone from the registry: reported at the archive, naming the member that references it.
        try emulator.setLayer(
            repository: "app", digest: image.layers[0], size: image.blobs[image.layers[0]] ?? 0, present: false)
        let (missing, missingFindings, _) = try check(repo, emulator)
        #expect(missing.status == 1)
        let unavailable = try #require(missingFindings.first { $0["rule"] as? String == "layer-unavailable" })
        #expect(unavailable["path"] as? String == "build/app.oci.tar")
        #expect(unavailable["line"] as? Int == 1)
        #expect(
            (unavailable["message"] as? String)?.contains("archive member blobs/sha256/\(image.manifest.dropFirst(7))")
                == true, "\(unavailable)")
        #expect(unavailable["image"] as? String == ArchiveReadingTests.name)

        // A member removed from the archive: the manifest blob the index names.
        let delete = try Shell.run(
            ["tar", "--delete", "-f", "build/app.oci.tar", "blobs/sha256/\(image.manifest.dropFirst(7))"],
            cwd: repo.path)
        #expect(delete.status == 0, "\(delete.stderr)")
        try repo.commitAll("member removed")
        let (removed, removedFindings, _) = try check(repo, emulator)
        #expect(removed.status == 0, "blob-missing is a warning: \(removed.combined)")
        let blobMissing = try #require(removedFindings.first { $0["rule"] as? String == "blob-missing" })
        #expect(blobMissing["path"] as? String == "build/app.oci.tar")
        #expect((blobMissing["message"] as? String)?.contains("blobs/sha256/\(image.manifest.dropFirst(7))") == true)
        #expect((blobMissing["message"] as? String)?.contains("archive member index.json") == true, "\(blobMissing)")
    }

    @Test func ociArchivesThroughGitLFSPlainAndGzip() throws {
        let repo = try GitFixture()
        try repo.git(["lfs", "install", "--local"])
        try repo.git(["lfs", "track", "*.tar", "*.tar.gz"])
        let image = try umociLayout(repo)
        try skopeo(repo, from: "work/oci", to: "oci-archive:images/app.tar:\(ArchiveReadingTests.name)")
        let gzip = try Shell.run(["sh", "-c", "gzip -n -c images/app.tar > images/app-gz.tar.gz"], cwd: repo.path)
        #expect(gzip.status == 0)
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.commitAll()
        #expect(
            try repo.git(["show", "HEAD:images/app.tar"]).stdout.hasPrefix("version https://git-lfs.github.com/spec/v1")
        )
        let emulator = try Emulator(repositories: ["app": image.blobs])
        let (result, found, asked) = try check(repo, emulator)
        #expect(result.status == 0, "\(result.combined)")
        #expect(found.isEmpty, "\(result.stdout)")
        #expect(Set(asked) == Set(image.blobs.keys), "both archives name the same blobs")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(
            ((report["images"] as? [[String: Any]]) ?? []).compactMap { $0["path"] as? String }.sorted() == [
                "images/app-gz.tar.gz", "images/app.tar",
            ])

        try emulator.setLayer(
            repository: "app", digest: image.layers[0], size: image.blobs[image.layers[0]] ?? 0, present: false)
        let (missing, missingFindings, _) = try check(repo, emulator)
        #expect(missing.status == 1)
        #expect(
            Set(
                missingFindings.filter { $0["rule"] as? String == "layer-unavailable" }.compactMap {
                    $0["path"] as? String
                })
                == ["images/app.tar", "images/app-gz.tar.gz"])

        // Without the LFS objects: an error at each archive, saying how to fetch it, and nothing asked.
        try FileManager.default.removeItem(atPath: repo.path + "/.git/lfs/objects")
        let (offline, offlineFindings, offlineAsked) = try check(repo, emulator)
        #expect(offline.status == 1)
        let lfs = offlineFindings.filter { $0["rule"] as? String == "lfs-object-missing" }
        #expect(Set(lfs.compactMap { $0["path"] as? String }) == ["images/app.tar", "images/app-gz.tar.gz"])
        #expect(lfs.allSatisfy { ($0["message"] as? String)?.contains("git lfs fetch") == true })
        #expect(offlineAsked.isEmpty)
    }

    // MARK: - docker-archive

    @Test func dockerArchiveAsksOnlyItsConfigPlainAndThroughLFS() throws {
        let repo = try GitFixture()
        try repo.git(["lfs", "install", "--local"])
        try repo.git(["lfs", "track", "lfs/**"])
        let image = try umociLayout(repo)
        try skopeo(repo, from: "work/oci", to: "docker-archive:plain/app.docker.tar:\(ArchiveReadingTests.name)")
        try skopeo(repo, from: "work/oci", to: "docker-archive:lfs/app.docker.tar:\(ArchiveReadingTests.name)")
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.commitAll()
        #expect(
            try repo.git(["show", "HEAD:lfs/app.docker.tar"]).stdout.hasPrefix(
                "version https://git-lfs.github.com/spec/v1"))
        let configSize = image.blobs[image.config] ?? 0
        // Only the config blob is in the registry's terms: docker archives hold the layers uncompressed.
        let emulator = try Emulator(repositories: ["app": [image.config: configSize]])
        let (result, found, asked) = try check(repo, emulator)
        #expect(result.status == 0, "\(result.combined)")
        #expect(asked == [image.config], "the config blob, once for both archives; never the uncompressed layers")
        let warnings = found.filter { $0["rule"] as? String == "layer-uncompressed" }
        #expect(Set(warnings.compactMap { $0["path"] as? String }) == ["plain/app.docker.tar", "lfs/app.docker.tar"])
        #expect(warnings.count == 2, "once per image, not per layer")

        try emulator.setLayer(repository: "app", digest: image.config, size: configSize, present: false)
        let (missing, missingFindings, _) = try check(repo, emulator)
        #expect(missing.status == 1)
        let unavailable = missingFindings.filter { $0["rule"] as? String == "layer-unavailable" }
        #expect(
            Set(unavailable.compactMap { $0["path"] as? String }) == ["plain/app.docker.tar", "lfs/app.docker.tar"])
        #expect(
            unavailable.allSatisfy {
                ($0["message"] as? String)?.contains("archive member \(image.config.dropFirst(7)).json") == true
            }, "\(unavailable)")
        #expect(unavailable.allSatisfy { $0["digest"] as? String == image.config })
    }

    /// skopeo's `--additional-tag` (as `docker save myapp public.ecr.aws/demo/app:v1`) writes a local name beside the ECR
    /// Public one on the same entry: the image is checked under its ECR Public tag, and the local name is not an unmapped
    /// image of its own (a warning here, an error that would block every such push under pre-push).
    @Test func dockerArchiveWithALocalTagBesideItsECRPublicTagIsMappedOnce() throws {
        let repo = try GitFixture()
        let image = try umociLayout(repo)
        try FileManager.default.createDirectory(atPath: repo.path + "/saved", withIntermediateDirectories: true)
        let copy = try Shell.run(
            [
                "skopeo", "copy", "-q", "--additional-tag", ArchiveReadingTests.name,
                "oci:\(repo.path)/work/oci:latest", "docker-archive:saved/app.tar:myapp:latest",
            ], cwd: repo.path)
        #expect(copy.status == 0, "\(copy.stderr)")
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.commitAll()
        let emulator = try Emulator(repositories: ["app": image.blobs])
        let (result, found, asked) = try check(repo, emulator)
        #expect(result.status == 0, "\(result.combined)")
        #expect(asked == [image.config])
        #expect(!found.contains { $0["rule"] as? String == "image-unmapped" }, "\(result.stdout)")
        let listed = try repo.verifyLayers(["list", "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
        let images = report?["images"] as? [[String: Any]] ?? []
        #expect(images.compactMap { $0["name"] as? String } == [ArchiveReadingTests.name], "\(listed.stdout)")
    }

    /// The same in an OCI layout: `skopeo copy … oci:out/app:latest` beside `oci:out/app:public.ecr.aws/demo/app:v1` names
    /// one manifest twice; it is checked under its ECR Public name, and `latest` is no unmapped image of its own. An
    /// entry with a local name only, for a manifest no other entry maps, still is.
    @Test func layoutEntryWithALocalTagBesideItsECRPublicOneIsMappedOnce() throws {
        let repo = try GitFixture()
        let image = try umociLayout(repo)
        try FileManager.default.createDirectory(atPath: repo.path + "/out", withIntermediateDirectories: true)
        for destination in ["oci:out/app:latest", "oci:out/app:\(ArchiveReadingTests.name)", "oci:out/local:latest"] {
            let copy = try Shell.run(
                ["skopeo", "copy", "-q", "oci:\(repo.path)/work/oci:latest", destination], cwd: repo.path)
            #expect(copy.status == 0, "\(copy.stderr)")
        }
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.commitAll()
        let emulator = try Emulator(repositories: ["app": image.blobs])
        let (result, found, _) = try check(repo, emulator)
        #expect(result.status == 0, "\(result.combined)")
        let unmapped = found.filter { $0["rule"] as? String == "image-unmapped" }
        #expect(unmapped.compactMap { $0["path"] as? String }.allSatisfy { $0.hasPrefix("out/local/") }, "\(unmapped)")
        #expect(unmapped.count == 1, "\(result.stdout)")
    }

    /// A docker archive's tag, on the API way with `--endpoint-url` pointed away from AWS (an emulator, a VPC endpoint)
    /// and no `--registry-url`: the public registry is not the service being asked, so the tag is looked up with
    /// `DescribeImages` (it exists: published; it does not: `manifest-unpublished`), not compared by config through
    /// https://public.ecr.aws (unreachable offline: a false exit 69). With `--registry-url` the config is compared there.
    @Test func dockerArchiveTagOnTheAPIWayWithACustomEndpointIsLookedUpByTheAPI() throws {
        let repo = try GitFixture()
        let image = try umociLayout(repo)
        try skopeo(repo, from: "work/oci", to: "docker-archive:saved/app.docker.tar:\(ArchiveReadingTests.name)")
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.commitAll()
        let emulator = try Emulator(repositories: ["app": [image.config: image.blobs[image.config] ?? 0]])
        let published = "sha256:" + String(repeating: "c", count: 64)
        try emulator.setImage(repository: "app", digest: published, tags: ["v1"])
        let manifestsOn = emulator.environment.merging(["VERIFY_LAYERS_CHECK_MANIFESTS": ""]) { $1 }

        try emulator.clearRequests()
        let tagged = try repo.verifyLayers(["check", "--format", "json", "--via", "api"], environment: manifestsOn)
        #expect(tagged.status == 0, "\(tagged.combined)")
        #expect(findings(tagged).map { $0["rule"] as? String } == ["layer-uncompressed"], "\(tagged.stdout)")
        #expect(try emulator.batchCalls().flatMap { $0.layerDigests ?? [] } == [image.config])
        let requests = try emulator.requests()
        #expect(try emulator.registryRequests().isEmpty, "no registry was asked")
        #expect(requests.contains { $0.operation == "DescribeImages" }, "\(requests.map(\.operation))")

        try emulator.setImage(repository: "app", digest: published, tags: [], present: false)
        let untagged = try repo.verifyLayers(["check", "--format", "json", "--via", "api"], environment: manifestsOn)
        #expect(untagged.status == 1, "\(untagged.combined)")
        let unpublished = findings(untagged).filter { $0["rule"] as? String == "manifest-unpublished" }
        #expect(unpublished.count == 1, "\(untagged.stdout)")
        #expect((unpublished.first?["message"] as? String)?.contains("tag v1") == true, "\(unpublished)")
        #expect(!findings(untagged).contains { $0["rule"] as? String == "verification-error" })

        try emulator.clearRequests()
        let compared = try repo.verifyLayers(
            ["check", "--format", "json", "--via", "api", "--registry-url", emulator.url], environment: manifestsOn)
        #expect(try !emulator.registryRequests().isEmpty, "with --registry-url the tag's config is read there")
        #expect(compared.status == 1, "the tag is gone, so the committed config is not published: \(compared.combined)")
    }

    @Test func handBuiltLegacyDockerSaveTreeAsATarAndUnpacked() throws {
        let repo = try GitFixture()
        let layer = Data("legacy uncompressed layer".utf8)
        let diffID = try #require(ContentDigest.compute(layer, algorithm: "sha256"))
        let config = try JSONSerialization.data(
            withJSONObject: [
                "architecture": "amd64", "os": "linux", "rootfs": ["type": "layers", "diff_ids": [diffID.string]],
            ],
            options: [.sortedKeys])
        let configDigest = try #require(ContentDigest.compute(config, algorithm: "sha256"))
        let id = String(repeating: "ab", count: 32)
        try repo.write([
            "saved/tree/\(configDigest.encoded).json": config,
            "saved/tree/\(id)/layer.tar": layer,
            "saved/tree/\(id)/VERSION": Data("1.0".utf8),
            "saved/tree/\(id)/json": Data(#"{"id":"\#(id)"}"#.utf8),
            "saved/tree/manifest.json": Data(
                #"[{"Config":"\#(configDigest.encoded).json","RepoTags":["\#(ArchiveReadingTests.name)"],"Layers":["\#(id)/layer.tar"]}]"#
                    .utf8),
            "saved/tree/repositories": Data(#"{"public.ecr.aws/demo/app":{"v1":"\#(id)"}}"#.utf8),
        ])
        // GNU tar writes `./`-prefixed names and directory members, as `tar -C dir -cf x.tar .` users do.
        let tar = try Shell.run(["tar", "-C", "saved/tree", "-cf", "saved/app.tar", "."], cwd: repo.path)
        #expect(tar.status == 0, "\(tar.stderr)")
        try repo.commitAll()
        let emulator = try Emulator(repositories: ["app": [configDigest.string: Int64(config.count)]])
        let (result, found, asked) = try check(repo, emulator)
        #expect(result.status == 0, "\(result.combined)")
        #expect(asked == [configDigest.string])
        #expect(found.filter { $0["rule"] as? String == "layer-uncompressed" }.count == 1)
        let skipped = try #require(
            found.first { $0["rule"] as? String == "output-skipped" }, "the unpacked tree is not read, and says so")
        #expect(skipped["path"] as? String == "saved/tree/manifest.json")
        #expect(skipped["severity"] as? String == "notice")
        #expect((skipped["message"] as? String)?.contains("unpacked docker archive") == true)

        let list = try repo.verifyLayers(["list", "-v"])
        #expect(list.stdout.contains("read    saved/app.tar [docker-archive]"), "\(list.stdout)")
        #expect(list.stdout.contains("skipped saved/tree/manifest.json"), "\(list.stdout)")
    }

    @Test func configImagesEntryNamingAnArchiveIsReadWhateverItsName() throws {
        let repo = try GitFixture()
        let image = try umociLayout(repo)
        try skopeo(repo, from: "work/oci", to: "oci-archive:deploy/image.bin:\(ArchiveReadingTests.name)")
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        let emulator = try Emulator(repositories: ["app": image.blobs])
        try repo.commitAll("not named like an archive, not named in the config")
        let (unnamed, _, unnamedAsked) = try check(repo, emulator)
        #expect(
            unnamed.status == 0 && unnamedAsked.isEmpty, "a .bin file is no candidate by itself: \(unnamed.combined)")
        try repo.write(
            ".verify-layers.yml",
            Data("images:\n  - path: deploy/image.bin\n    repository: app\n    registry: demo\n".utf8))
        try repo.commitAll("named in the config")
        let (named, found, asked) = try check(repo, emulator)
        #expect(named.status == 0, "\(named.combined)")
        #expect(found.isEmpty, "\(named.stdout)")
        #expect(
            asked.sorted() == image.blobs.keys.sorted(), "sniffed as a tar (ustar magic) and read as an OCI archive")
    }

    @Test func manifestJSONWithoutSkopeoVersionIsANoticeUntilNamedInTheConfig() throws {
        let repo = try GitFixture()
        let image = try umociLayout(repo)
        let manifest = try Data(
            contentsOf: URL(fileURLWithPath: repo.path + "/work/oci/blobs/sha256/" + image.manifest.dropFirst(7)))
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.write("deploy/app/manifest.json", manifest)
        try repo.commitAll()
        let emulator = try Emulator(repositories: ["app": image.blobs])
        let (result, found, asked) = try check(repo, emulator)
        #expect(result.status == 0, "a notice does not fail the run: \(result.combined)")
        #expect(asked.isEmpty)
        let notice = try #require(found.first { $0["rule"] as? String == "output-skipped" })
        #expect(notice["path"] as? String == "deploy/app/manifest.json")
        #expect((notice["message"] as? String)?.contains("no skopeo `version` file") == true, "\(notice)")
        let verbose = try repo.verifyLayers(["list", "-v"])
        #expect(verbose.stdout.contains("skipped deploy/app/manifest.json [manifest-file]"), "\(verbose.stdout)")

        try repo.write(
            ".verify-layers.yml",
            Data("images:\n  - path: deploy/app/manifest.json\n    repository: app\n    registry: demo\n".utf8))
        try repo.commitAll("named")
        let (named, namedFindings, namedAsked) = try check(repo, emulator)
        #expect(named.status == 0, "\(named.combined)")
        #expect(!namedFindings.contains { $0["rule"] as? String == "output-skipped" })
        #expect(namedAsked.sorted() == image.blobs.keys.sorted())
    }

    // MARK: - Hostile, end to end

    @Test func traversalMemberIsAFindingAndNothingIsWritten() throws {
        let repo = try GitFixture()
        _ = try umociLayout(repo)
        let escape = "/tmp/vl-escape-\(UUID().uuidString)"
        let script = """
            import sys, tarfile, io, os
            src, out, escape = sys.argv[1], sys.argv[2], sys.argv[3]
            with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
                tar.add(src, arcname=".")
                data = b"owned"
                info = tarfile.TarInfo("../../../../../../../../.." + escape)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                link = tarfile.TarInfo("blobs/sha256/evil-link")
                link.type = tarfile.SYMTYPE
                link.linkname = "../../../../../../../../etc/passwd"
                tar.addfile(link)
            """
        let made = try Shell.run(["python3", "-c", script, repo.path + "/work/oci", repo.path + "/evil.tar", escape])
        #expect(made.status == 0, "\(made.stderr)")
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.commitAll()
        let emulator = try Emulator(repositories: ["app": [:]])
        let (result, found, _) = try check(repo, emulator)
        #expect(result.status == 1, "\(result.combined)")
        let invalid = found.filter { $0["rule"] as? String == "manifest-invalid" }
        #expect(
            invalid.contains {
                ($0["message"] as? String)?.contains("path traversal") == true && $0["path"] as? String == "evil.tar"
            }, "\(found)")
        #expect(invalid.contains { ($0["message"] as? String)?.contains("points outside the archive") == true })
        #expect(!FileManager.default.fileExists(atPath: escape))
        let status = try repo.git(["status", "--porcelain"]).stdout
        #expect(status.isEmpty, "nothing written into the work tree: \(status)")
    }

    // MARK: - Shared blobs (umoci), ranges, list

    @Test func umociLayoutsSharingBlobsAreAskedAboutOnce() throws {
        let repo = try GitFixture()
        let layout = repo.path + "/shared"
        let base = try repo.umociImage(at: "shared", tag: "base", files: ["base.txt": "base"])
        // One image under two tags.
        #expect(try Shell.run(["umoci", "tag", "--image", "\(layout):base", "base-alias"]).status == 0)
        // A second image on the same base layer.
        let bundle = try TemporaryDirectory(prefix: "vl-bundle")
        #expect(
            try Shell.run(["umoci", "unpack", "--rootless", "--image", "\(layout):base", bundle.path + "/b"]).status
                == 0)
        try Data("app".utf8).write(to: URL(fileURLWithPath: bundle.path + "/b/rootfs/app.txt"))
        let repack = try Shell.run(["umoci", "repack", "--image", "\(layout):app", bundle.path + "/b"])
        #expect(repack.status == 0, "\(repack.stderr)")
        // The index listing one manifest twice (under a third name).
        let indexURL = URL(fileURLWithPath: layout + "/index.json")
        var index = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: indexURL)) as? [String: Any])
        var entries = index["manifests"] as? [[String: Any]] ?? []
        var again = try #require(entries.first)
        again["annotations"] = ["org.opencontainers.image.ref.name": "base-again"]
        entries.append(again)
        index["manifests"] = entries
        try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys]).write(to: indexURL)
        try repo.write(
            ".verify-layers.yml", Data("images:\n  - path: shared\n    repository: app\n    registry: demo\n".utf8))
        try repo.commitAll()

        let list = try repo.verifyLayers(["list", "--format", "json"])
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        #expect(listing["version"] as? Int == 1)
        let summary = try #require(listing["summary"] as? [String: Any], "list carries check's summary envelope")
        let images = listing["images"] as? [[String: Any]] ?? []
        #expect(Set(images.compactMap { $0["refName"] as? String }) == ["base", "base-alias", "app", "base-again"])
        #expect(summary["images"] as? Int == 4)
        var blobs: [String: Int64] = [:]
        for image in images {
            for blob in image["blobs"] as? [[String: Any]] ?? [] {
                if let digest = blob["digest"] as? String, let size = blob["size"] as? Int {
                    blobs[digest] = Int64(size)
                }
            }
        }
        #expect(blobs.keys.contains(base.config) && base.layers.allSatisfy(blobs.keys.contains))
        #expect(blobs.count == 4, "base config + layer, app config + its added layer: \(blobs.keys.sorted())")
        #expect(summary["layers"] as? Int == blobs.count)

        let emulator = try Emulator(repositories: ["app": blobs])
        let (result, _, asked) = try check(repo, emulator)
        #expect(result.status == 0, "\(result.combined)")
        #expect(asked.sorted() == blobs.keys.sorted(), "each shared blob asked about exactly once")
    }

    @Test func rangeCheckReadsEachNewArchiveVersion() throws {
        let repo = try GitFixture()
        let first = try umociLayout(repo)
        try skopeo(repo, from: "work/oci", to: "oci-archive:app.tar:\(ArchiveReadingTests.name)")
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.commitAll("first")
        let second = try umociLayout(repo, at: "work/oci2")
        try FileManager.default.removeItem(atPath: repo.path + "/app.tar")
        try skopeo(repo, from: "work/oci2", to: "oci-archive:app.tar:\(ArchiveReadingTests.name)")
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.commitAll("second")
        let emulator = try Emulator(repositories: ["app": first.blobs.merging(second.blobs) { $1 }])
        let (result, _, asked) = try check(repo, emulator, ["--range", "HEAD~1..HEAD"])
        #expect(result.status == 0, "\(result.combined)")
        #expect(asked.sorted() == second.blobs.keys.sorted(), "the version the range introduced, not the older one")
        let (tip, _, tipAsked) = try check(repo, emulator, ["HEAD~1"])
        #expect(tip.status == 0, "\(tip.combined)")
        #expect(tipAsked.sorted() == first.blobs.keys.sorted(), "the older version, read from its own commit")
    }
}

private func findings(_ result: ProcessResult) -> [[String: Any]] {
    let report = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    return report?["findings"] as? [[String: Any]] ?? []
}
