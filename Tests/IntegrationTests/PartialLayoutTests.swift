import Foundation
import ImageModel
import TestSupport
import Testing

/// Half an OCI layout committed (SPEC §3: what looks like an output but is not read is an `output-skipped` notice): a
/// umoci layout whose `oci-layout` was left out (a `.gitignore`, a copy of `index.json` and `blobs/` only), or whose
/// `index.json` was. Neither is an output, and neither may pass in silence: the whole-tree scan and the range scan both
/// say so, and naming the `index.json` in the config reads it as a standalone index.
@Suite struct PartialLayoutTests {
    func findings(_ result: ProcessResult) throws -> [[String: Any]] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return report["findings"] as? [[String: Any]] ?? []
    }

    /// Two umoci layouts: `a` without its `oci-layout`, `b` without its `index.json`; plus one random `index.json`.
    func partialLayouts() throws -> (GitFixture, config: String) {
        let repo = try GitFixture()
        try repo.write("README", Data("before\n".utf8))
        try repo.commitAll("before")
        let image = try repo.umociImage(at: "build/a", files: ["a.txt": "a\n"])
        try repo.annotateName("build/a", name: "public.ecr.aws/demo/app:a")
        _ = try repo.umociImage(at: "build/b", files: ["b.txt": "b\n"])
        try FileManager.default.removeItem(atPath: repo.path + "/build/a/oci-layout")
        try FileManager.default.removeItem(atPath: repo.path + "/build/b/index.json")
        // Not an image index: a web app's index.json is no output and says nothing.
        try repo.write("site/index.json", Data(#"{"title":"home","manifests":"none"}"#.utf8))
        try repo.commitAll("base")
        return (repo, image.config)
    }

    @Test func halfALayoutIsANoticeInTheTreeAndInARange() throws {
        let (repo, _) = try partialLayouts()
        let emulator = try Emulator()
        for arguments in [["list", "--format", "json"], ["check", "--range", "HEAD~1..HEAD", "--format", "json"]] {
            let result = try repo.verifyLayers(arguments, environment: emulator.environment)
            #expect(result.status == 0, "notices only, nothing to ask: \(result.combined)")
            let notices = try findings(result).filter { $0["rule"] as? String == "output-skipped" }
            let byPath = Dictionary(
                notices.map { (($0["path"] as? String) ?? "", ($0["message"] as? String) ?? "") }
            ) { $1 }
            #expect(byPath.keys.sorted() == ["build/a/index.json", "build/b/oci-layout"], "\(arguments): \(notices)")
            #expect(byPath["build/a/index.json"]?.contains("no `oci-layout` file") == true)
            #expect(byPath["build/b/oci-layout"]?.contains("no `index.json`") == true)
            #expect(notices.allSatisfy { $0["severity"] as? String == "notice" && $0["line"] as? Int == 1 })
        }
    }

    /// An empty layout as `umoci init` leaves it (`"manifests": null`) beside a real image: a notice that it holds no
    /// images, no error, and the image beside it checked as usual (exit 0, in a tree check and a range check).
    @Test func anEmptyUmociLayoutIsANoticeNotAnError() throws {
        let repo = try GitFixture()
        try repo.write("README", Data("before\n".utf8))
        try repo.commitAll("before")
        let image = try repo.umociImage(at: "build/app", files: ["a.txt": "a\n"])
        try repo.annotateName("build/app", name: "public.ecr.aws/demo/app:a")
        try Shell.run(["umoci", "init", "--layout", repo.path + "/build/empty"])
        #expect(try String(contentsOfFile: repo.path + "/build/empty/index.json", encoding: .utf8).contains("null"))
        try repo.commitAll("layouts")
        var blobs: [String: Int64] = [:]
        for digest in [image.config] + image.layers { blobs[digest] = repo.blobSize("build/app", digest) }
        let emulator = try Emulator(repositories: ["app": blobs])
        for arguments in [["check"], ["check", "--range", "HEAD~1..HEAD"]] {
            let result = try repo.verifyLayers(
                arguments + ["--format", "json"], environment: emulator.environment)
            #expect(result.status == 0, "\(arguments): \(result.combined)")
            let found = try findings(result)
            #expect(found.map { $0["rule"] as? String } == ["output-skipped"], "\(arguments): \(found)")
            #expect(found.first?["path"] as? String == "build/empty/index.json")
            #expect(found.first?["severity"] as? String == "notice")
        }
    }

    /// A standalone index (a `crane manifest` of a multi-platform image, committed alone) whose manifests are not
    /// committed: each entry is a `blob-missing` warning that says they are not beside the file, not "not in the
    /// layout" (there is no layout).
    @Test func aStandaloneIndexWithoutItsManifestsSaysTheyAreNotCommittedBesideIt() throws {
        let repo = try GitFixture()
        let image = try repo.umociImage(at: "work/oci", files: ["a.txt": "a\n"])
        let index = try Data(contentsOf: URL(fileURLWithPath: repo.path + "/work/oci/index.json"))
        try FileManager.default.removeItem(atPath: repo.path + "/work")
        try repo.write("manifests/app-index.json", index)
        try repo.write(
            ".verify-layers.yml",
            Data("images:\n  - path: manifests/app-index.json\n    repository: app\n    registry: demo\n".utf8))
        try repo.commitAll("a standalone index")
        let result = try repo.verifyLayers(["list", "--format", "json"])
        let missing = try findings(result).filter { $0["rule"] as? String == "blob-missing" }
        #expect(missing.count == 1, "\(result.combined)")
        #expect(missing.first?["path"] as? String == "manifests/app-index.json")
        #expect(missing.first?["digest"] as? String == image.manifest, "\(missing)")
        let message = missing.first?["message"] as? String ?? ""
        #expect(message.contains("is not committed beside this file"), "\(message)")
        #expect(!message.contains("layout"), "\(message)")
    }

    @Test func anIndexWithoutOCILayoutNamedInTheConfigIsRead() throws {
        let (repo, config) = try partialLayouts()
        try repo.write(
            ".verify-layers.yml",
            Data("images:\n  - path: build/a/index.json\n    repository: app\n    registry: demo\n".utf8))
        try repo.commitAll("named")
        let result = try repo.verifyLayers(["list", "--format", "json"])
        #expect(result.status == 0, "\(result.combined)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let images = report["images"] as? [[String: Any]] ?? []
        #expect(images.map { $0["path"] as? String } == ["build/a/index.json"])
        let blobs = images.first?["blobs"] as? [[String: Any]] ?? []
        #expect(blobs.first?["digest"] as? String == config)
        let skipped = try findings(result).filter { $0["rule"] as? String == "output-skipped" }
        #expect(skipped.compactMap { $0["path"] as? String } == ["build/b/oci-layout"])
    }
}
