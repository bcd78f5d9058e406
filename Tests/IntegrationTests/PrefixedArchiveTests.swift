import Foundation
import ImageModel
import TestSupport
import Testing

/// An OCI layout archived with its directory (`tar -czf app.tar.gz app/`, as users tar a build output by hand; oras-go
/// reads these, its testdata has `hello-world-prefixed-path.tar`): every member lies under `app/`. It is read as the
/// layout it holds, not skipped with a notice claiming it holds no `oci-layout` or `index.json`.
@Suite struct PrefixedArchiveTests {
    @Test func layoutOneDirectoryDownInATarIsRead() throws {
        let repo = try GitFixture()
        let digests = try repo.umociImage(at: "work/app", files: ["etc/app.conf": "port=8080\n"])
        try repo.annotateName("work/app", name: "public.ecr.aws/demo/app:v1")
        var blobs: [String: Int64] = [:]
        for digest in [digests.config] + digests.layers { blobs[digest] = repo.blobSize("work/app", digest) }
        try FileManager.default.createDirectory(atPath: repo.path + "/images", withIntermediateDirectories: true)
        for (name, flags) in [("app.tar", "-cf"), ("app.tar.gz", "-czf")] {
            let made = try Shell.run(["tar", "-C", repo.path + "/work", flags, repo.path + "/images/" + name, "app"])
            #expect(made.status == 0, "\(made.stderr)")
        }
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.commitAll()

        let emulator = try Emulator(repositories: ["app": blobs])
        let result = try repo.verifyLayers(["check", "--format", "json"], environment: emulator.environment)
        #expect(result.status == 0, "\(result.combined)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let images = report["images"] as? [[String: Any]] ?? []
        #expect(images.compactMap { $0["path"] as? String }.sorted() == ["images/app.tar", "images/app.tar.gz"])
        #expect((report["findings"] as? [Any])?.isEmpty == true, "\(result.stdout)")
        #expect(Set(try emulator.batchCalls().flatMap { $0.layerDigests ?? [] }) == Set(blobs.keys))

        let layer = digests.layers[0]
        try emulator.setLayer(repository: "app", digest: layer, size: blobs[layer] ?? 0, present: false)
        let missing = try repo.verifyLayers(["check", "--format", "json"], environment: emulator.environment)
        #expect(missing.status == 1)
        let found = try #require(try JSONSerialization.jsonObject(with: Data(missing.stdout.utf8)) as? [String: Any])
        let unavailable = (found["findings"] as? [[String: Any]] ?? []).filter {
            $0["rule"] as? String == "layer-unavailable"
        }
        #expect(Set(unavailable.compactMap { $0["path"] as? String }) == ["images/app.tar", "images/app.tar.gz"])
        let manifestMember = "archive member app/blobs/sha256/\(digests.manifest.dropFirst(7))"
        #expect(
            unavailable.allSatisfy { ($0["message"] as? String)?.contains(manifestMember) == true }, "\(unavailable)")
    }
}
