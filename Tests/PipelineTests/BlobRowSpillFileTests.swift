import Foundation
import ImageModel
import TestSupport
import Testing

@testable import Pipeline

/// The scratch file a run writes blob rows to for the JSON report: nothing of it stays in the cache directory, rows
/// come back as written, and what is not its own is refused and counted.
@Suite struct BlobRowSpillFileTests {
    private static func rows(_ count: Int, first: Int) -> BlobResults {
        var blobs = BlobResults()
        for number in first..<(first + count) {
            let hex = String(number, radix: 16)
            blobs.append(
                BlobResult(
                    digest: Digest("sha256:" + String(repeating: "a", count: 64 - hex.count) + hex)!,
                    size: Int64(number), mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", role: .layer,
                    status: number % 2 == 0 ? .available : .unavailable, cached: false))
        }
        return blobs
    }

    @Test func rowsComeBackAndNothingIsLeftBehind() throws {
        let directory = try TemporaryDirectory(prefix: "vl-spill")
        let cache = directory.path + "/verify-layers"
        let spill = try #require(BlobRowSpillFile(directory: cache))
        let first = Self.rows(300, first: 1)
        let second = Self.rows(5, first: 1_000)
        let written = try [first, second, BlobResults()].map { try #require(spill.spill($0)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).isEmpty, "the scratch file is unlinked")
        // Read back in another order than written, and twice.
        #expect(spill.readBack(written[1]).map(Array.init) == Array(second))
        #expect(spill.readBack(written[0]).map(Array.init) == Array(first))
        #expect(spill.readBack(written[0]).map(Array.init) == Array(first))
        #expect(spill.readBack(written[2])?.isEmpty == true)
        #expect(spill.readFailures == 0)

        let other = try #require(BlobRowSpillFile(directory: cache))
        #expect(other.readBack(written[0]) == nil, "rows of another spill")
        let wrong = SpilledRows(spill: spill, offset: written[0].offset + 1, length: written[0].length, count: 300)
        #expect(spill.readBack(wrong) == nil, "rows read from the wrong place")
        #expect(other.readFailures == 1 && spill.readFailures == 1)
    }

    /// Judged images' records share the file with rows: each comes back as stored, between rows written before and
    /// after it; one read past the end, or refused by its decoder, is counted.
    @Test func recordsComeBackBetweenRows() throws {
        let directory = try TemporaryDirectory(prefix: "vl-spill")
        let spill = try #require(BlobRowSpillFile(directory: directory.path + "/verify-layers"))
        let before = try #require(spill.spill(Self.rows(40, first: 1)))
        let record = Array(#"{"image":"out/app","blobs":3}"#.utf8)
        let stored = try #require(spill.store(record))
        let after = try #require(spill.spill(Self.rows(7, first: 500)))
        #expect(stored.offset == before.offset + Int64(before.length) && after.offset == stored.offset + 29)
        #expect(spill.load(stored) { $0 } == record)
        #expect(spill.readBack(after).map(Array.init) == Array(Self.rows(7, first: 500)))
        #expect(spill.readBack(before)?.count == 40)
        #expect(spill.readFailures == 0)
        #expect(spill.load(SpilledBytes(offset: after.offset, length: 10_000)) { $0 } == nil, "past the end")
        #expect(spill.load(stored) { _ -> Int? in nil } == nil, "refused by its decoder")
        #expect(spill.readFailures == 2)
    }

    @Test func noScratchFileWhereNoneCanBeMade() throws {
        let directory = try TemporaryDirectory(prefix: "vl-spill")
        let file = directory.path + "/file"
        FileManager.default.createFile(atPath: file, contents: Data())
        #expect(BlobRowSpillFile(directory: file + "/verify-layers") == nil)
    }
}
