import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A judged image as it waits in the run's scratch file (`HeldImages`, past `judgedKeptInMemory`): everything
/// `JudgedImage` holds, as JSON. Only an image without rows in memory is stored (its rows, if a report shows them, are
/// in the same file already, named here by where they are).
struct StoredJudgedImage: Codable {
    var image: Image
    var tally: BlobTally
    var rows: SpilledBytes?
    var rowCount: Int
    var namedDigests: [String]
    var blobFindings: [Finding]
    var failures: [Failure]
    var mismatchedKeys: [Int]

    struct Failure: Codable {
        var kind: String
        var message: String
        var count: Int
        var blob: BlobRef
    }

    /// `judged` as stored in `spill`; nil when it keeps rows in memory (a run that keeps rows keeps its images too) or
    /// wrote them elsewhere.
    init?(_ judged: JudgedImage, in spill: any BlobRowSpill) {
        guard !judged.keepsRows, judged.blobs.isEmpty, judged.spilled.map({ $0.spill === spill }) ?? true else {
            return nil
        }
        image = judged.image
        tally = judged.tally
        rows = judged.spilled.map { SpilledBytes(offset: $0.offset, length: $0.length) }
        rowCount = judged.spilled?.count ?? 0
        namedDigests = judged.namedDigests
        blobFindings = judged.blobFindings
        failures = judged.failures.map {
            Failure(kind: $0.kind.rawValue, message: $0.message, count: $0.count, blob: $0.blob)
        }
        mismatchedKeys = judged.mismatchedKeys
    }

    /// The judged image again, its rows (if any were written) in `spill`; nil when a failure's kind is unknown.
    func judged(spill: any BlobRowSpill) -> JudgedImage? {
        var kinds: [(kind: BatchFailure.Kind, message: String, count: Int, blob: BlobRef)] = []
        for failure in failures {
            guard let kind = BatchFailure.Kind(rawValue: failure.kind) else { return nil }
            kinds.append((kind, failure.message, failure.count, failure.blob))
        }
        return JudgedImage(
            image: image, blobs: BlobResults(), tally: tally, keepsRows: false,
            spilled: rows.map { SpilledRows(spill: spill, offset: $0.offset, length: $0.length, count: rowCount) },
            namedDigests: namedDigests, blobFindings: blobFindings, failures: kinds, mismatchedKeys: mismatchedKeys)
    }

    /// The bytes stored in `spill` for `judged`; nil when it is not stored there (`init?`) or cannot be encoded.
    static func bytes(of judged: JudgedImage, in spill: any BlobRowSpill) -> [UInt8]? {
        guard let stored = StoredJudgedImage(judged, in: spill), let data = try? JSONEncoder().encode(stored) else {
            return nil
        }
        return Array(data)
    }

    /// The judged image `bytes(of:)` wrote; nil when `bytes` are not such a record.
    static func judged(from bytes: [UInt8], spill: any BlobRowSpill) -> JudgedImage? {
        (try? JSONDecoder().decode(StoredJudgedImage.self, from: Data(bytes)))?.judged(spill: spill)
    }
}
