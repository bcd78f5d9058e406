import Foundation
import ImageModel
import TestSupport
import Testing

@testable import GitAccess
@testable import ImageOutputs

/// libgit2's defaults map up to 8 GiB of pack in 1 GiB windows and keep what they map: a packed repository of large
/// layers then holds every layer it hashed. Opening a repository bounds them.
@Test func openingARepositoryBoundsLibgit2Memory() throws {
    let fixture = try GitFixture()
    try fixture.write("README.md", Data("x".utf8))
    _ = try fixture.commitAll("root")
    _ = try GitRepository(discovering: fixture.path)
    let limits = GitLibrary.limits
    #expect(limits.packWindow == GitLibrary.packWindowBytes)
    #expect(limits.mapped == GitLibrary.mappedLimitBytes)
    #expect(limits.objectCache == GitLibrary.objectCacheBytes)
    #expect(limits.mapped < 64 << 20, "mapped pack must stay far below a large layer's size")
}

/// A packed blob larger than the mapped-pack limit still hashes whole and right (libgit2 slides its windows).
@Test func packedBlobLargerThanTheMappedLimitHashesRight() throws {
    let fixture = try GitFixture()
    var content = Data(count: GitLibrary.mappedLimitBytes + (3 << 20) + 17)
    content.withUnsafeMutableBytes { raw in
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for index in raw.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            raw[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
    }
    try fixture.write("big.bin", content)
    _ = try fixture.commitAll("big")
    _ = try fixture.git(["gc", "-q"])
    let repository = try GitRepository(discovering: fixture.path)
    let id = try #require(
        try CommitSnapshot(repository: repository, commit: repository.resolveCommit("HEAD")).entry(at: "big.bin")?.id)
    let hash = try repository.hashBlob(id, algorithm: "sha256")
    #expect(hash.size == Int64(content.count))
    #expect(hash.digest == ContentDigest.compute(content, algorithm: "sha256"))
    #expect(!hash.streamed, "a packed object is inflated, not streamed")
}

/// Range checks read nothing until asked: `changes` only walks and diffs, `read` hands each version's images over as
/// it reads them (so calls can start), and a range touching no output is empty before any set-up.
@Test func rangeChangesAreFoundBeforeAnythingIsRead() throws {
    let fixture = try GitFixture()
    try fixture.write("README.md", Data("start".utf8))
    let start = try #require(ObjectID(hex: try fixture.commitAll("start")))
    for name in ["a", "b", "c"] {
        let image = FixtureImage(layers: [FixtureBlob.layer(name)])
        try fixture.write(
            LayoutBuilder.files(at: "images/\(name)", images: [image], name: "public.ecr.aws/demo/\(name):1"))
        _ = try fixture.commitAll("add \(name)")
    }
    try fixture.write("README.md", Data("docs".utf8))
    let tip = try #require(ObjectID(hex: try fixture.commitAll("docs")))
    let repository = try GitRepository(discovering: fixture.path)
    let scanner = RangeScanner(repository: repository)
    let imageScanner = ImageScanner(repository: repository, resolver: RepositoryResolver())
    let changes = try scanner.changes(tips: [tip], hidden: [start], scanner: imageScanner)
    #expect(changes.versions.map(\.output.path) == ["images/a", "images/b", "images/c"])
    #expect(scanner.versionsRead == 0)
    var handed: [[String]] = []
    let result = try scanner.read(changes, scanner: imageScanner) { part in
        handed.append(part.images.map(\.outputPath))
        #expect(scanner.versionsRead == handed.count, "each version is handed over as soon as it is read")
    }
    #expect(handed == [["images/a"], ["images/b"], ["images/c"]])
    #expect(result.images.isEmpty, "the images went to the consumer, so the result does not hold them a second time")
    #expect(result.candidates.isEmpty)
    #expect(
        try scanner.read(changes, scanner: imageScanner).images.map(\.outputPath) == [
            "images/a", "images/b", "images/c",
        ])
    let docsOnly = try RangeScanner(repository: repository).changes(
        tips: [tip], hidden: [try repository.resolveCommit("HEAD~1")],
        scanner: imageScanner)
    #expect(docsOnly.isEmpty)
}

/// A snapshot remembers only so many directories (a tree of thousands of outputs would keep every one): past the
/// limit it starts afresh, and every file, in a directory seen before or not, still resolves to its own blob.
@Test func directoryLookupsStayRightPastTheSnapshotsLimit() throws {
    let fixture = try GitFixture()
    let count = CommitSnapshot.maxDirectories + 40
    var files: [String: Data] = [:]
    for n in 0..<count { files["out/d\(n)/blobs/f.txt"] = Data("file \(n)".utf8) }
    try fixture.write(files)
    _ = try fixture.commitAll("many directories")
    let repository = try GitRepository(discovering: fixture.path)
    let snapshot = try CommitSnapshot(repository: repository, commit: repository.resolveCommit("HEAD"))
    // Twice over, so the second pass finds directories the table let go.
    for _ in 0..<2 {
        for n in [0, 1, count / 2, count - 1, 2, count - 2] {
            let entry = try #require(snapshot.entry(at: "out/d\(n)/blobs/f.txt"))
            #expect(try repository.readBlob(entry.id) == Data("file \(n)".utf8))
            #expect(snapshot.entry(at: "out/d\(n)/blobs/missing.txt") == nil)
        }
        for n in 0..<count { #expect(snapshot.entry(at: "out/d\(n)/blobs")?.kind == .tree) }
    }
    #expect(snapshot.entry(at: "out/d\(count)/blobs/f.txt") == nil)
}

/// Reading ends while the run still waits for answers, and the caches and pack are let go then: whatever is read
/// afterwards (a commit's notes, a manifest check's config) reads from a database opened again, and reads right.
@Test func readsAfterTheCachesAreLetGoStillReadRight() throws {
    let fixture = try GitFixture()
    try fixture.write(["a.txt": Data("first".utf8), "b/c.txt": Data("second".utf8)])
    _ = try fixture.commitAll("two files")
    _ = try fixture.git(["gc", "-q"])
    let repository = try GitRepository(discovering: fixture.path)
    let snapshot = try CommitSnapshot(repository: repository, commit: repository.resolveCommit("HEAD"))
    let first = try #require(snapshot.entry(at: "a.txt"))
    #expect(try repository.readBlob(first.id) == Data("first".utf8))
    repository.releaseCaches()
    #expect(try repository.readBlob(first.id) == Data("first".utf8))
    let second = try #require(snapshot.entry(at: "b/c.txt"))
    #expect(try repository.readBlob(second.id) == Data("second".utf8))
    repository.releaseCaches()
    repository.releaseCaches()
    #expect(try repository.hashBlob(second.id, algorithm: "sha256").size == 6)
}
