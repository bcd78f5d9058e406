import Foundation
import ImageModel
import TestSupport
import Testing

@testable import GitAccess
@testable import ImageOutputs

/// A committed layout in a real repository, read back through libgit2.
private func commitLayout(_ fixture: GitFixture, _ layout: MemoryLayout) throws -> (GitRepository, CommitSnapshot) {
    try fixture.write(layout.files)
    for (path, target) in layout.symlinks {
        let url = URL(fileURLWithPath: fixture.path + "/" + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }
    let commit = try fixture.commitAll()
    let repository = try GitRepository(discovering: fixture.path)
    let snapshot = try CommitSnapshot(repository: repository, commit: try #require(ObjectID(hex: commit)))
    return (repository, snapshot)
}

@Test func blobsAreHashedByStreamingWhenLooseAndInPlaceWhenPacked() throws {
    let fixture = try GitFixture()
    let content = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) })
    try fixture.write("big.bin", content)
    try fixture.commitAll()
    let blobID = try #require(
        ObjectID(
            hex: try fixture.git(["rev-parse", "HEAD:big.bin"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    let expected256 = ContentDigest.compute(content, algorithm: "sha256")
    let expected512 = ContentDigest.compute(content, algorithm: "sha512")

    let loose = try GitRepository(discovering: fixture.path).hashBlob(blobID, algorithm: "sha256")
    #expect(loose == BlobHash(size: 3_000_000, digest: expected256, streamed: true))
    #expect(try GitRepository(discovering: fixture.path).hashBlob(blobID, algorithm: "sha512").digest == expected512)

    try fixture.git(["gc", "-q", "--prune=now"])
    let repository = try GitRepository(discovering: fixture.path)
    let packed = try repository.hashBlob(blobID, algorithm: "sha256")
    #expect(
        packed == BlobHash(size: 3_000_000, digest: expected256, streamed: false),
        "libgit2 cannot stream packed objects")
    #expect(try repository.hashBlob(blobID, algorithm: "sha512").digest == expected512)
    #expect(try repository.hashBlob(blobID, algorithm: "md5").digest == nil)
}

@Test func committedLayoutIsCheckedLocallyThroughGit() throws {
    let fixture = try GitFixture()
    let layout = MemoryLayout("images/app")
    let good = layout.layer("good")
    let bad = layout.layer("bad")
    let manifest = layout.manifest(config: layout.config(), layers: [good, bad])
    layout.top([manifest.descriptor(MediaType.ociManifest)])
    layout.files[layout.path(of: bad)] = Data("corrupted on disk".utf8)
    let (_, snapshot) = try commitLayout(fixture, layout)
    let result = LayoutReader(source: snapshot, resolver: appResolver).read(layout.output)
    #expect(result.images.first?.blobs.count == 3)
    #expect(result.rules() == ["digest-mismatch", "size-mismatch"])
    #expect(
        result.allFindings.allSatisfy {
            $0.digest == bad.digest && $0.path == layout.path(of: manifest) && $0.line == manifest.line(of: bad.digest)
        })
    #expect(result.allFindings.allSatisfy { $0.commit == snapshot.commit })
}

@Test func gitSymlinksResolveInsideTheLayoutOnly() throws {
    let fixture = try GitFixture()
    let layout = MemoryLayout("out")
    let layer = layout.layer("linked")
    let manifest = layout.manifest(config: layout.config(), layers: [layer])
    layout.top([manifest.descriptor(MediaType.ociManifest)])
    layout.files["out/cas/\(manifest.hex)"] = layout.files.removeValue(forKey: layout.path(of: manifest))
    layout.symlinks[layout.path(of: manifest)] = "../../cas/\(manifest.hex)"
    layout.files["secret/key"] = Data("do not read".utf8)
    layout.files.removeValue(forKey: layout.path(of: layer))
    layout.symlinks[layout.path(of: layer)] = "../../../secret/key"
    let (_, snapshot) = try commitLayout(fixture, layout)
    let result = LayoutReader(source: snapshot, resolver: appResolver).read(layout.output)
    #expect(result.images.count == 1)
    let escape = try #require(result.allFindings.first)
    #expect(result.allFindings.count == 1)
    #expect(
        escape.digest == layer.digest && escape.severity == .warning && escape.message.contains("leaves the output out")
    )
    // The repository-wide default still refuses absolute targets but follows links anywhere inside the repository.
    if case .file(let data) = snapshot.read("out/blobs/sha256/\(layer.hex)", limit: 100) {
        #expect(data == Data("do not read".utf8))
    } else {
        Issue.record("a link inside the repository was not followed by the default read")
    }
}

@Test func submodulesAndNonBlobEntriesAreSkipped() throws {
    let fixture = try GitFixture()
    let layout = MemoryLayout("img")
    let manifest = layout.manifest(config: layout.config(), layers: [layout.layer("x")])
    layout.top([manifest.descriptor(MediaType.ociManifest)])
    try fixture.write(layout.files)
    try fixture.git(["add", "-A"])
    let gitlink = String(repeating: "1", count: 40)
    try fixture.git(["update-index", "--add", "--cacheinfo", "160000,\(gitlink),img/blobs/sha256/\(manifest.hex)x"])
    try fixture.git(["update-index", "--add", "--cacheinfo", "160000,\(gitlink),vendor/layout"])
    try fixture.git(["rm", "-q", "--cached", "img/blobs/sha256/\(manifest.hex)"])
    try fixture.git(["update-index", "--add", "--cacheinfo", "160000,\(gitlink),img/blobs/sha256/\(manifest.hex)"])
    try fixture.git(["commit", "-q", "-m", "submodules"])
    let repository = try GitRepository(discovering: fixture.path)
    let commit = try repository.resolveCommit("HEAD")
    let scan = try ImageScanner(repository: repository, resolver: appResolver).scan(commit: commit)
    #expect(scan.images.isEmpty)
    let finding = try #require(scan.findings.first)
    #expect(scan.findings.count == 1)
    #expect(finding.rule == .manifestInvalid && finding.message.contains("is a submodule"))
    #expect(finding.path == "img/index.json")
}

@Test func nonUTF8NamesAreReportedNotCrashedOn() throws {
    let fixture = try GitFixture()
    let layout = MemoryLayout("PLACEHOLDER")
    let manifest = layout.manifest(config: layout.config(), layers: [layout.layer("x")])
    layout.top([manifest.descriptor(MediaType.ociManifest)])
    try fixture.write(layout.files)
    let script =
        "import os; os.rename('PLACEHOLDER', b'caf\\xe9-image'); os.makedirs(b'docs/r\\xe9sum\\xe9'); open(b'docs/r\\xe9sum\\xe9/x.txt', 'w').write('x')"
    let renamed = try Shell.run(["python3", "-c", script], cwd: fixture.path)
    #expect(renamed.status == 0, "\(renamed.stderr)")
    try fixture.commitAll()
    let repository = try GitRepository(discovering: fixture.path)
    let scan = try ImageScanner(repository: repository, resolver: appResolver).scan(
        commit: try repository.resolveCommit("HEAD"))
    #expect(scan.images.isEmpty)
    let finding = try #require(scan.findings.first)
    #expect(scan.findings.count == 1, "a non-UTF-8 directory without an output is not reported")
    #expect(finding.rule == .manifestInvalid && finding.message.contains("not valid UTF-8"))
    #expect(finding.path == "caf\u{FFFD}-image")
}

@Test func skopeoDirsAreConfirmedByTheirVersionFile() throws {
    let fixture = try GitFixture()
    try fixture.write("web/manifest.json", Data(#"{"name":"my web app","start_url":"/"}"#.utf8))
    try fixture.write("web/version", Data("1.2.3\n".utf8))
    let layout = MemoryLayout("vendor/img", skopeo: true)
    let manifest = layout.manifest(config: layout.config(), layers: [layout.layer("x")], store: false)
    layout.files["vendor/img/manifest.json"] = manifest.data
    try fixture.write(layout.files)
    try fixture.commitAll()
    let repository = try GitRepository(discovering: fixture.path)
    let found = try OutputFinder(repository: repository).find(
        inTree: try CommitSnapshot(repository: repository, commit: try repository.resolveCommit("HEAD")).rootTree)
    #expect(found.outputs == [ImageOutput(kind: .skopeoDir, path: "vendor/img")])
}

@Test func excludedAndGlobbedPathsShapeWhatIsRead() throws {
    let fixture = try GitFixture()
    for dir in ["build/app", "testdata/broken"] {
        let layout = MemoryLayout(dir)
        let manifest = layout.manifest(config: layout.config(), layers: [layout.layer(dir)])
        layout.top([manifest.descriptor(MediaType.ociManifest)])
        try fixture.write(layout.files)
    }
    try fixture.write("testdata/broken/index.json", Data("{broken".utf8))
    let standalone = MemoryLayout("deploy")
    let manifest = standalone.manifest(config: standalone.config(), layers: [standalone.layer("s")], store: false)
    try fixture.write("deploy/web.json", manifest.data)
    try fixture.write("deploy/api.json", manifest.data)
    try fixture.write("deploy/notes.txt", Data("not json".utf8))
    try fixture.commitAll()
    let repository = try GitRepository(discovering: fixture.path)
    let scanner = ImageScanner(repository: repository, resolver: appResolver, exclude: ["testdata/**"])
    let scan = try scanner.scan(
        commit: try repository.resolveCommit("HEAD"), manifestFiles: ["deploy/*.json", "./deploy/notes.txt"])
    let expected: Set<String> = ["build/app", "deploy/api.json", "deploy/web.json"]
    #expect(Set(scan.images.map(\.outputPath)) == expected)
    #expect(
        scan.findings.map(\.path) == ["deploy/notes.txt"],
        "an exact path is read even when it is not .json; it is malformed")
}

/// A blob found by its hex in its directory's tree is probed exactly as the blob at the joined path: present, missing, an
/// LFS pointer, content of another digest, a link to a blob inside the output, a link leaving it, and a blob directory
/// that is itself a link.
@Test func probingByDirectoryAndHexAgreesWithProbingThePath() throws {
    let fixture = try GitFixture()
    let present = FixtureBlob.layer("present")
    let linked = FixtureBlob.layer("linked")
    let outside = FixtureBlob.layer("outside")
    let pointer = FixtureBlob.layer("pointer")
    let wrong = FixtureBlob.layer("wrong")
    let lfs = "version https://git-lfs.github.com/spec/v1\noid sha256:\(pointer.hex)\nsize 12\n"
    let layout = MemoryLayout()
    layout.files["out/blobs/sha256/\(present.hex)"] = present.data
    layout.files["out/blobs/sha256/\(pointer.hex)"] = Data(lfs.utf8)
    layout.files["out/blobs/sha256/\(wrong.hex)"] = Data("not what the digest names".utf8)
    layout.files["out/store/\(linked.hex)"] = linked.data
    layout.files["elsewhere/\(outside.hex)"] = outside.data
    layout.files["linkedout/store/sha256/\(present.hex)"] = present.data
    layout.symlinks["out/blobs/sha256/\(linked.hex)"] = "../../store/\(linked.hex)"
    layout.symlinks["out/blobs/sha256/\(outside.hex)"] = "../../../elsewhere/\(outside.hex)"
    layout.symlinks["linkedout/blobs"] = "store"
    let (_, snapshot) = try commitLayout(fixture, layout)
    let missing = FixtureBlob.layer("missing")
    for root in ["out", "linkedout"] {
        for blob in [present, linked, outside, pointer, wrong, missing] {
            let digest = try #require(Digest(blob.digest))
            let directory = root + "/blobs/sha256"
            let byPath = snapshot.probe(directory + "/" + blob.hex, algorithm: "sha256", within: root)
            // The declared size only chooses how the blob is read (at once when small, else its size first): a wrong
            // one changes nothing the probe says.
            for declared in [nil, 0, 5, Int64(1 << 30)] as [Int64?] {
                let byName = snapshot.probe(digest, inDirectory: directory, within: root, declaredSize: declared)
                #expect(
                    "\(byName)" == "\(byPath)",
                    "\(root): \(blob.hex.prefix(8)), declared \(String(describing: declared))")
            }
        }
    }
    func kind(_ blob: FixtureBlob, _ root: String = "out") throws -> String {
        let probe = snapshot.probe(
            try #require(Digest(blob.digest)), inDirectory: root + "/blobs/sha256", within: root, declaredSize: 10)
        return String("\(probe)".prefix { $0 != "(" })
    }
    #expect(try kind(present) == "content" && kind(linked) == "content" && kind(wrong) == "content")
    #expect(try kind(pointer) == "lfsPointer")
    #expect(try kind(missing) == "missing")
    #expect(try kind(outside) == "notReadable", "a link out of the output is not followed")
    #expect(try kind(present, "linkedout") == "content", "a blob directory linked inside the output is followed")
}
