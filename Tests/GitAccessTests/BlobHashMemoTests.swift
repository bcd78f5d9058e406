import Foundation
import ImageModel
import TestSupport
import Testing

@testable import GitAccess

/// The cross-run memo of blob hashes: reused when valid, harmless when missing or corrupt.
@Suite struct BlobHashMemoTests {
    func repoWithBlob(_ content: String) throws -> (GitFixture, ObjectID, Digest) {
        let fixture = try GitFixture()
        try fixture.write("blob.bin", Data(content.utf8))
        try fixture.commitAll()
        let hex = try fixture.git(["rev-parse", "HEAD:blob.bin"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let id = try #require(ObjectID(hex: hex))
        let digest = try #require(ContentDigest.compute(Data(content.utf8), algorithm: "sha256"))
        return (fixture, id, digest)
    }

    @Test func hashesAreRememberedAcrossRuns() throws {
        let (fixture, id, digest) = try repoWithBlob("layer content")
        let first = try GitRepository(discovering: fixture.path)
        first.rememberBlobHashes()
        #expect(try first.hashBlob(id, algorithm: "sha256").digest == digest)
        first.saveHashMemo()
        let file = fixture.path + "/.git/verify-layers/" + BlobHashMemo.fileName
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text == "\(id.hex) \(digest.string) 13\n")
        // A second run answers from the memo: prove it by planting a different (wrong) digest there.
        let planted = "sha256:" + String(repeating: "e", count: 64)
        try Data("\(id.hex) \(planted) 13\n".utf8).write(to: URL(fileURLWithPath: file))
        let second = try GitRepository(discovering: fixture.path)
        second.rememberBlobHashes()
        #expect(try second.hashBlob(id, algorithm: "sha256").digest?.string == planted)
    }

    @Test func aCorruptMemoIsIgnoredAndRewritten() throws {
        let (fixture, id, digest) = try repoWithBlob("other content")
        let directory = fixture.path + "/.git/verify-layers"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/" + BlobHashMemo.fileName
        try Data("garbage\n\(id.hex) sha256:nothex 5\n\u{0}\u{1}\n\(id.hex) \(digest.string) -3\n".utf8).write(
            to: URL(fileURLWithPath: file))
        let repository = try GitRepository(discovering: fixture.path)
        repository.rememberBlobHashes()
        #expect(try repository.hashBlob(id, algorithm: "sha256").digest == digest)
        repository.saveHashMemo()
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "\(id.hex) \(digest.string) 13\n")
    }

    @Test func withoutTheMemoNothingIsWritten() throws {
        let (fixture, id, _) = try repoWithBlob("x")
        let repository = try GitRepository(discovering: fixture.path)
        _ = try repository.hashBlob(id, algorithm: "sha256")
        repository.saveHashMemo()
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/.git/verify-layers/" + BlobHashMemo.fileName))
    }
}
