import Foundation
import GitAccess
import ImageModel
import ImageOutputs
import TestSupport
import Testing

private func layout(_ dir: String, seed: String) -> (files: [String: Data], layer: String) {
    let image = FixtureImage(layers: [FixtureBlob.layer(seed)])
    return (
        LayoutBuilder.files(at: dir, images: [image], name: "public.ecr.aws/demo/app:\(seed)"), image.layers[0].digest
    )
}

/// Commits everything and returns the commit (shared with TreeDiffEdgeTests).
func commitAll(_ fixture: GitFixture, _ message: String) throws -> ObjectID {
    let hex = try fixture.commitAll(message)
    return try #require(ObjectID(hex: hex))
}

/// The sorted paths of the outputs `commit` changed against its parents (shared with TreeDiffEdgeTests).
func changed(_ fixture: GitFixture, _ commit: ObjectID, manifestFiles: [String] = []) throws -> [String] {
    let repository = try GitRepository(discovering: fixture.path)
    let walked = try CommitRange(repository: repository).commits(
        from: [commit], excluding: try repository.commitInfo(commit).parents)
    let only = try #require(walked.first { $0.id == commit })
    return try TreeDiff(repository: repository).changedOutputs(of: only, manifestFiles: manifestFiles).versions.map(
        \.output.path
    ).sorted()
}

@Test func commitTouchingNoOutputReportsNothing() throws {
    let fixture = try GitFixture()
    try fixture.write(layout("images/app", seed: "a").files)
    _ = try commitAll(fixture, "image")
    try fixture.write("README.md", Data("docs".utf8))
    let docs = try commitAll(fixture, "docs")
    #expect(try changed(fixture, docs).isEmpty)
}

@Test func changedAddedAndRootOutputsAreFoundDeletedOnesAreNot() throws {
    let fixture = try GitFixture()
    try fixture.write(layout("images/app", seed: "a").files)
    try fixture.write(layout("images/tool", seed: "t").files)
    try fixture.write(layout("deep/er/web", seed: "w").files)
    let root = try commitAll(fixture, "root")
    #expect(try changed(fixture, root) == ["deep/er/web", "images/app", "images/tool"])
    try fixture.remove("images/app")
    try fixture.write(layout("images/app", seed: "a2").files)
    try fixture.remove("images/tool")
    try fixture.write(layout("images/new", seed: "n").files)
    let next = try commitAll(fixture, "change")
    #expect(try changed(fixture, next) == ["images/app", "images/new"])
}

@Test func mergeCountsOnlyWhatDiffersFromEveryParent() throws {
    let fixture = try GitFixture()
    try fixture.write(layout("images/app", seed: "a").files)
    _ = try commitAll(fixture, "base")
    try fixture.git(["checkout", "-q", "-b", "side"])
    try fixture.remove("images/app")
    try fixture.write(layout("images/app", seed: "side").files)
    _ = try commitAll(fixture, "side changes app")
    try fixture.git(["checkout", "-q", "main"])
    try fixture.write("notes.txt", Data("x".utf8))
    _ = try commitAll(fixture, "main unrelated")
    try fixture.git(["merge", "-q", "--no-edit", "side"])
    let merge = try #require(
        ObjectID(hex: try fixture.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    #expect(try changed(fixture, merge).isEmpty, "the merge takes side's version unchanged")
    // An evil merge: the merge result is a version neither parent had.
    try fixture.git(["checkout", "-q", "-b", "other", "main~1"])
    try fixture.write("other.txt", Data("o".utf8))
    _ = try commitAll(fixture, "other")
    try fixture.git(["checkout", "-q", "main"])
    try fixture.git(["merge", "-q", "--no-commit", "other"])
    try fixture.remove("images/app")
    try fixture.write(layout("images/app", seed: "evil").files)
    try fixture.git(["add", "-A"])
    try fixture.git(["commit", "-q", "--no-edit"])
    let evil = try #require(
        ObjectID(hex: try fixture.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    #expect(try changed(fixture, evil) == ["images/app"])
}

@Test func configNamedManifestFilesCountWhenTheirDirectoryChanges() throws {
    let fixture = try GitFixture()
    let image = FixtureImage(layers: [FixtureBlob.layer("m")])
    try fixture.write("manifests/app.json", image.manifest.data)
    let first = try commitAll(fixture, "manifest")
    #expect(try changed(fixture, first, manifestFiles: ["manifests/app.json"]) == ["manifests/app.json"])
    try fixture.write("elsewhere.txt", Data("x".utf8))
    let second = try commitAll(fixture, "unrelated")
    #expect(try changed(fixture, second, manifestFiles: ["manifests/app.json"]).isEmpty)
}

@Test func rangeScannerReadsEachDistinctVersionOnce() throws {
    let fixture = try GitFixture()
    let v1 = layout("images/app", seed: "v1")
    let v2 = layout("images/app", seed: "v2")
    try fixture.write("README.md", Data("start".utf8))
    let start = try commitAll(fixture, "start")
    try fixture.write(v1.files)
    _ = try commitAll(fixture, "v1")
    try fixture.remove("images/app")
    try fixture.write(v2.files)
    _ = try commitAll(fixture, "v2")
    try fixture.remove("images/app")
    try fixture.write(v1.files)
    let back = try commitAll(fixture, "back to v1")
    let repository = try GitRepository(discovering: fixture.path)
    let scanner = RangeScanner(repository: repository)
    let imageScanner = ImageScanner(repository: repository, resolver: RepositoryResolver())
    let result = try scanner.scan(tips: [back], hidden: [start], scanner: imageScanner)
    #expect(scanner.commitsScanned == 3)
    #expect(scanner.versionsRead == 2, "v1 reappearing is the same version")
    let layers = Set(result.images.flatMap { $0.blobs.filter { $0.role == .layer }.map(\.digest.string) })
    #expect(layers == [v1.layer, v2.layer])
    // A second call for another ref sharing the commits reads nothing again.
    let again = try scanner.scan(tips: [back], hidden: [], scanner: imageScanner)
    #expect(again.images.isEmpty)
    #expect(scanner.versionsRead == 2)
}

@Test func globbedManifestFilesExcludesAndSkopeoMarkersFollowCheck() throws {
    let fixture = try GitFixture()
    let image = FixtureImage(layers: [FixtureBlob.layer("g")])
    try fixture.write("manifests/app.json", image.manifest.data)
    try fixture.write("manifests/blobs/sha256/\(image.config.hex)", image.config.data)
    try fixture.write(layout("vendor/images/app", seed: "v").files)
    // A web app's manifest.json + version is not a skopeo dir: its version file does not say so.
    try fixture.write("web/manifest.json", Data("{}".utf8))
    try fixture.write("web/version", Data("1.2.3".utf8))
    let root = try commitAll(fixture, "root")
    let repository = try GitRepository(discovering: fixture.path)
    func changed(_ commit: ObjectID) throws -> [String] {
        let walked = try CommitRange(repository: repository).commits(
            from: [commit], excluding: try repository.commitInfo(commit).parents)
        let only = try #require(walked.first { $0.id == commit })
        return try TreeDiff(repository: repository).changedOutputs(
            of: only, manifestFiles: ["manifests/*.json"], exclude: ["vendor/**"]
        )
        .versions.map(\.output.path).sorted()
    }
    #expect(try changed(root) == ["manifests/app.json"])
    try fixture.write("manifests/blobs/sha256/\(image.config.hex)", Data("changed beside it".utf8))
    #expect(try changed(try commitAll(fixture, "blob beside the manifest")) == ["manifests/app.json"])
    try fixture.write("manifests/README.md", Data("docs".utf8))
    #expect(try changed(try commitAll(fixture, "unrelated file in the same directory")).isEmpty)
    try fixture.write("web/version", Data("1.2.4".utf8))
    #expect(try changed(try commitAll(fixture, "web app")).isEmpty)
}

@Test func outputUnderANonUTF8DirectoryIsReportedNotRead() throws {
    let fixture = try GitFixture()
    // Write through the shell so the directory name carries a raw 0xE9 byte.
    let files = layout("x", seed: "latin1").files
    let staging = try TemporaryDirectory(prefix: "vl-latin1")
    for (path, data) in files {
        let url = URL(fileURLWithPath: staging.path + "/" + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
    try Shell.run(
        [
            "sh", "-c",
            "mkdir -p \"$(printf 'images/caf\\351')\" && cp -R '\(staging.path)/x/.' \"$(printf 'images/caf\\351')/\"",
        ], cwd: fixture.path)
    let commit = try commitAll(fixture, "latin-1 name")
    let repository = try GitRepository(discovering: fixture.path)
    let walked = try CommitRange(repository: repository).commits(from: [commit], excluding: [])
    let changes = try TreeDiff(repository: repository).changedOutputs(of: try #require(walked.first))
    #expect(changes.versions.isEmpty)
    #expect(changes.unreadableNames.count == 1)
}
