import Foundation
import ImageModel
import TestSupport
import Testing

@testable import GitAccess

/// libgit2's object database (and with it the pack caches) is let go every `readsBetweenReleases` reads: reading goes
/// on exactly as before, and trees opened before a release stay usable after it.
@Suite struct CacheReleaseTests {
    @Test func readsAcrossReleasesOfAPackedRepositoryStayExact() throws {
        let fixture = try GitFixture()
        let count = GitRepository.readsBetweenReleases + 300
        // Similar documents, so `git gc` stores most of them as deltas against each other (what libgit2 caches).
        var files: [String: Data] = [:]
        for n in 0..<count {
            let lines = (0..<40).map {
                "{\"n\": \($0 == 7 ? n : $0), \"pad\": \"\(String(repeating: "x", count: 40))\"}"
            }
            files[String(format: "docs/%05d.json", n)] = Data(lines.joined(separator: "\n").utf8)
        }
        try fixture.write(files)
        try fixture.commitAll()
        _ = try fixture.git(["gc", "-q", "--aggressive"])
        let repository = try GitRepository(discovering: fixture.path)
        let head = try repository.resolveCommit("HEAD")
        let docs = try #require(try repository.entry(named: "docs", inTree: try repository.commitInfo(head).tree))
        let entries = try repository.entries(ofTree: docs.id)
        #expect(entries.count == count)
        for (position, entry) in entries.enumerated() {
            let expected = try #require(files["docs/" + entry.displayName])
            #expect(try repository.readBlob(entry.id) == expected)
            let hash = try repository.hashBlob(entry.id, algorithm: "sha256", size: Int64(expected.count))
            #expect(hash.digest == ContentDigest.compute(expected, algorithm: "sha256"))
            if position % 500 == 0 {
                #expect(try repository.entry(named: entry.displayName, inTree: docs.id)?.id == entry.id)
                #expect(repository.contains(entry.id))
            }
        }
        #expect(try repository.entries(ofTree: docs.id).map(\.id) == entries.map(\.id))
    }
}
