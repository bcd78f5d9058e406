/// Where blob rows wait, out of memory, for the report that shows them (JSON, the verbose text): a streaming check
/// judges each repository's images as soon as it is done and writes their rows here, so what it holds follows the
/// repositories in flight, not the layer count, in every format. The judged images themselves wait here too once a
/// run holds many (`HeldImages.judgedKeptInMemory`). Implemented over a scratch file in the cache directory
/// (`BlobRowSpillFile`).
public protocol BlobRowSpill: AnyObject, Sendable {
    /// Writes `blobs` away; nil when they could not be written (the caller then keeps them). Stored as any record is
    /// (the default, over `store`).
    func spill(_ blobs: BlobResults) -> SpilledRows?
    /// The rows written as `rows`; nil when they cannot be read back (the spill counts it: `readFailures`). Loaded as any
    /// record is (the default, over `load`).
    func readBack(_ rows: SpilledRows) -> BlobResults?
    /// Writes `bytes` away (rows, a judged image's record); nil when they could not be written (the caller keeps them).
    func store(_ bytes: [UInt8]) -> SpilledBytes?
    /// What `decode` makes of the bytes written as `stored`; nil when they cannot be read back or `decode` refuses them
    /// (the spill counts it: `readFailures`).
    func load<Value>(_ stored: SpilledBytes, decoding decode: ([UInt8]) -> Value?) -> Value?
    /// How many `readBack` and `load` calls failed: the run then ends with the reports incomplete (exit 69).
    var readFailures: Int { get }
}

/// Bytes in a `BlobRowSpill`: where they start and how many.
public struct SpilledBytes: Sendable, Equatable {
    public let offset: Int64
    public let length: Int

    public init(offset: Int64, length: Int) {
        self.offset = offset
        self.length = length
    }
}

/// One image's rows in a `BlobRowSpill`.
public struct SpilledRows: Sendable {
    public let spill: any BlobRowSpill
    public let offset: Int64
    public let length: Int
    public let count: Int

    public init(spill: any BlobRowSpill, offset: Int64, length: Int, count: Int) {
        self.spill = spill
        self.offset = offset
        self.length = length
        self.count = count
    }

    /// Where the rows' record is in `spill`.
    public var stored: SpilledBytes { SpilledBytes(offset: offset, length: length) }
}

extension BlobRowSpill {
    public func spill(_ blobs: BlobResults) -> SpilledRows? {
        store(blobs.spilledBytes).map {
            SpilledRows(spill: self, offset: $0.offset, length: $0.length, count: blobs.count)
        }
    }

    /// Rows of another spill, or not the rows written there, are refused (and counted) like bytes that cannot be read.
    public func readBack(_ rows: SpilledRows) -> BlobResults? {
        load(rows.stored) { bytes in
            guard rows.spill === self, let blobs = BlobResults(spilledBytes: bytes), blobs.count == rows.count else {
                return nil
            }
            return blobs
        }
    }
}

/// The spill's encoding of an image's rows: its distinct media types, then per row the digest's text, the size, and
/// the word `BlobResults` packs the status, role, `cached` flag and media type's number in. Self-contained (no shared
/// digest table), read back into rows whose digests are kept aside.
extension BlobResults {
    public var spilledBytes: [UInt8] {
        var types: [String] = []
        var typeNumbers: [String: Int] = [:]
        var rows = SpillWriter(capacity: count * 88)
        for blob in self {
            let number: Int
            if let known = typeNumbers[blob.mediaType] {
                number = known
            } else {
                number = types.count
                typeNumbers[blob.mediaType] = number
                types.append(blob.mediaType)
            }
            rows.text(blob.digest.string)
            rows.long(UInt64(bitPattern: blob.size))
            rows.word(Self.bits(blob, typeIndex: number))
        }
        var head = SpillWriter(capacity: rows.bytes.count + 64)
        head.word(UInt32(count))
        head.word(UInt32(types.count))
        for type in types { head.text(type) }
        head.append(rows.bytes)
        return head.bytes
    }

    /// The rows `spilledBytes` wrote; nil when `bytes` are not such rows.
    public init?(spilledBytes bytes: [UInt8]) {
        var reader = SpillReader(bytes: bytes)
        // Every type and row takes at least 4 and 16 bytes: counts beyond that are not believed (nor reserved for).
        guard let count = reader.word(), let typeCount = reader.word(), Int(typeCount) <= bytes.count / 4,
            Int(count) <= bytes.count / 16
        else { return nil }
        var types: [String] = []
        for _ in 0..<typeCount {
            guard let text = reader.text() else { return nil }
            types.append(text)
        }
        self.init()
        reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let text = reader.text(), let digest = Digest(text), let size = reader.long(),
                let bits = reader.word(), Self.isValid(bits: bits, typeCount: types.count)
            else { return nil }
            append(Self.row(digest: digest, size: Int64(bitPattern: size), bits: bits, mediaTypes: types))
        }
        guard reader.atEnd else { return nil }
    }
}
