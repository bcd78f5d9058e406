import Foundation
import Testing

@testable import ImageModel

/// The bytes a `BlobRowSpill` keeps an image's rows in read back as the very rows written, and anything else is refused.
@Suite struct SpilledRowsTests {
    private static func digest(_ number: Int, algorithm: String = "sha256") -> Digest {
        let width = algorithm == "sha512" ? 128 : 64
        let hex = String(number, radix: 16)
        return Digest("\(algorithm):" + String(repeating: "0", count: width - hex.count) + hex)!
    }

    @Test func rowsReadBackAsWritten() throws {
        var blobs = BlobResults()
        // More distinct media types than the packed form looks up linearly, every status, both roles, cached or not,
        // sizes at the edges, and a digest of another algorithm.
        for number in 0..<40 {
            blobs.append(
                BlobResult(
                    digest: Self.digest(number, algorithm: number == 7 ? "sha512" : "sha256"),
                    size: number == 3 ? Int64.max : (number == 4 ? 0 : Int64(number * 1_000)),
                    mediaType: "application/vnd.example.layer.v\(number % 12)+tar",
                    role: number == 0 ? .config : .layer,
                    status: BlobStatus.allCases[number % BlobStatus.allCases.count], cached: number % 3 == 0))
        }
        let bytes = blobs.spilledBytes
        let back = try #require(BlobResults(spilledBytes: bytes))
        #expect(Array(back) == Array(blobs))
        #expect(BlobResults(spilledBytes: BlobResults().spilledBytes)?.isEmpty == true)
    }

    @Test func bytesThatAreNotRowsAreRefused() {
        var blobs = BlobResults()
        blobs.append(
            BlobResult(
                digest: Self.digest(1), size: 10, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
                role: .layer, status: .available,
                cached: false))
        let bytes = blobs.spilledBytes
        #expect(BlobResults(spilledBytes: Array(bytes.dropLast())) == nil, "cut short")
        #expect(BlobResults(spilledBytes: bytes + [0]) == nil, "trailing bytes")
        #expect(BlobResults(spilledBytes: []) == nil)
        var badStatus = bytes
        badStatus[badStatus.count - 4] = 7  // status code 7: no such status
        #expect(BlobResults(spilledBytes: badStatus) == nil)
        var hugeCount = bytes
        hugeCount.replaceSubrange(0..<4, with: [0xff, 0xff, 0xff, 0xff])
        #expect(BlobResults(spilledBytes: hugeCount) == nil, "a count the bytes cannot hold is not reserved for")
        var hugeTypes = bytes
        hugeTypes.replaceSubrange(4..<8, with: [0xff, 0xff, 0xff, 0x7f])
        #expect(BlobResults(spilledBytes: hugeTypes) == nil)
    }
}
