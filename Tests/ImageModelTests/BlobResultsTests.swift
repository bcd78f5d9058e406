import Foundation
import Testing

@testable import ImageModel

/// `ImageResult.blobs` stores its blobs packed but reads, compares, changes and encodes exactly as an array of
/// `BlobResult` would.
@Suite struct BlobResultsTests {
    static func digest(_ n: Int) -> Digest {
        var bytes = [UInt8](repeating: 0, count: 32)
        bytes[0] = UInt8(n & 0xFF)
        bytes[31] = UInt8(n >> 8 & 0xFF)
        guard let digest = Digest(sha256Bytes: bytes) else { fatalError("32 bytes make a sha256 digest") }
        return digest
    }

    static let sha512 = Digest("sha512:" + String(repeating: "ab", count: 64))!

    /// Every status, both roles, cached or not, a dozen media types (past the linear lookup), and a sha512 digest.
    static let plain: [BlobResult] = (0..<40).map { n in
        let statuses: [BlobStatus] = [.available, .unavailable, .invalid, .unverified, .skipped]
        return BlobResult(
            digest: n == 7 ? sha512 : digest(n), size: Int64(n) * 1_000_003 - 5, mediaType: "type/\(n % 12)",
            role: n % 9 == 0 ? .config : .layer, status: statuses[n % 5], cached: n % 3 == 0)
    }

    @Test func readsBackEveryBlobAsGiven() {
        let blobs = BlobResults(Self.plain)
        #expect(blobs.count == 40)
        #expect(Array(blobs) == Self.plain)
        #expect(blobs == BlobResults(Self.plain.reversed().reversed()))
        #expect(blobs != BlobResults(Self.plain.dropLast()))
        #expect(BlobResults() == [])
    }

    @Test func blobsNamedInASharedTableReadTheirDigestFromIt() {
        var table = DigestTable()
        for n in 0..<5_000 { table.append(Self.digest(n)) }
        var blobs = BlobResults(sharing: table)
        blobs.append(Self.plain[1], digestNumber: 1)
        blobs.append(Self.plain[2])
        // A number that does not name the blob's digest is not trusted: the digest is kept aside.
        blobs.append(Self.plain[3], digestNumber: 4_999)
        blobs.append(Self.plain[7], digestNumber: 7)
        #expect(Array(blobs) == [Self.plain[1], Self.plain[2], Self.plain[3], Self.plain[7]])
    }

    @Test func changingABlobInPlaceChangesOnlyThatBlob() {
        var blobs = BlobResults(Self.plain)
        blobs[5].cached.toggle()
        blobs[6].digest = Self.digest(999)
        blobs[8].mediaType = "a/new-type"
        var expected = Self.plain
        expected[5].cached.toggle()
        expected[6].digest = Self.digest(999)
        expected[8].mediaType = "a/new-type"
        #expect(Array(blobs) == expected)
    }

    @Test func encodesAsTheArrayItReadsAs() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let packed = try encoder.encode(BlobResults(Self.plain))
        #expect(packed == (try encoder.encode(Self.plain)))
        #expect(Array(try JSONDecoder().decode(BlobResults.self, from: packed)) == Self.plain)
    }
}

extension BlobResultsTests {
    /// The table the blobs name digests in: sha256 packed, sha512 aside, an all-zero sha256 digest told apart from the
    /// sha512 placeholder, across chunk boundaries.
    @Test func theDigestTableGivesBackEveryDigestByNumber() {
        let zero = Digest(sha256Bytes: [UInt8](repeating: 0, count: 32))!
        let all = (0..<9_000).map { n in n == 4_100 ? Self.sha512 : n == 4_101 ? zero : Self.digest(n % 7_919) }
        var table = DigestTable()
        for (number, digest) in all.enumerated() { #expect(table.append(digest) == number) }
        #expect(table.count == 9_000)
        #expect(Array(table) == all)
        #expect(table[4_100].algorithm == "sha512" && table[4_101] == zero)
    }
}
