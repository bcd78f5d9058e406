/// An image's blobs with their verdicts (`ImageResult.blobs`): read as a collection of `BlobResult`, stored in 16 bytes a
/// blob instead of 72. A digest is a number into a `DigestTable` the collection shares (the run's plan numbered every
/// digest it asked about), or into a few kept aside (a blob that was not asked about, or one built from a plain
/// `BlobResult`); a media type is an index into the image's handful of distinct types.
public struct BlobResults: MutableCollection, RandomAccessCollection, Sendable {
    private struct Packed {
        var size: Int64
        /// The digest's number in `table`, or `-1 - i` for `aside[i]`.
        var digest: Int32
        /// The status in bits 0-2, the role in bit 3, `cached` in bit 4, the media type's index above: 134 million
        /// distinct types, where one manifest (at most 4 MiB) can name a few hundred thousand.
        var bits: UInt32
    }

    private var packed: [Packed] = []
    private var table: DigestTable
    private var aside: [Digest] = []
    private var mediaTypes: [String] = []
    /// `mediaTypes` by name, built only once an image has more than a few (a linear search is quicker until then).
    private var mediaTypeIndex: [String: Int] = [:]

    /// No blobs yet; digests that `append(_:digestNumber:)` names by number are looked up in `table`.
    public init(sharing table: DigestTable = DigestTable()) {
        self.table = table
    }

    public init(_ blobs: some Sequence<BlobResult>) {
        if let same = blobs as? BlobResults {
            self = same
            return
        }
        self.init()
        for blob in blobs { append(blob) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { packed.count }

    public subscript(position: Int) -> BlobResult {
        get {
            let blob = packed[position]
            return Self.row(
                digest: blob.digest >= 0 ? table[Int(blob.digest)] : aside[Int(-1 - blob.digest)], size: blob.size,
                bits: blob.bits, mediaTypes: mediaTypes)
        }
        set {
            let number = packed[position].digest
            let same = number >= 0 && table[Int(number)] == newValue.digest
            packed[position] = pack(newValue, digestNumber: same ? Int(number) : nil)
        }
    }

    public mutating func reserveCapacity(_ count: Int) {
        packed.reserveCapacity(count)
    }

    /// Adds `blob`, its digest kept aside.
    public mutating func append(_ blob: BlobResult) {
        packed.append(pack(blob, digestNumber: nil))
    }

    /// Adds `blob`, whose digest is number `digestNumber` of the shared table.
    public mutating func append(_ blob: BlobResult, digestNumber: Int) {
        packed.append(pack(blob, digestNumber: digestNumber))
    }

    private mutating func pack(_ blob: BlobResult, digestNumber: Int?) -> Packed {
        let digest: Int32
        if let digestNumber, let number = Int32(exactly: digestNumber), digestNumber < table.count,
            table[digestNumber] == blob.digest
        {
            digest = number
        } else {
            aside.append(blob.digest)
            digest = -Int32(aside.count)
        }
        return Packed(size: blob.size, digest: digest, bits: Self.bits(blob, typeIndex: typeIndex(blob.mediaType)))
    }

    /// A row's status, role, `cached` flag and the index of its media type in one word, as kept here and as a
    /// `BlobRowSpill` stores it.
    static func bits(_ blob: BlobResult, typeIndex: Int) -> UInt32 {
        UInt32(typeIndex) << 5 | code(blob.status) | (blob.role == .config ? 0 : 8) | (blob.cached ? 16 : 0)
    }

    /// The row `bits` (from `bits(_:typeIndex:)`) describe, with its digest and size.
    static func row(digest: Digest, size: Int64, bits: UInt32, mediaTypes: [String]) -> BlobResult {
        BlobResult(
            digest: digest, size: size, mediaType: mediaTypes[Int(bits >> 5)], role: bits & 8 == 0 ? .config : .layer,
            status: status(bits & 7), cached: bits & 16 != 0)
    }

    /// Whether `bits` read from outside name a status and one of `typeCount` media types.
    static func isValid(bits: UInt32, typeCount: Int) -> Bool {
        bits & 7 <= code(.skipped) && Int(bits >> 5) < typeCount
    }

    private mutating func typeIndex(_ type: String) -> Int {
        if mediaTypes.count <= 8, let known = mediaTypes.firstIndex(of: type) { return known }
        if let known = mediaTypeIndex[type] { return known }
        precondition(mediaTypes.count < 1 << 27, "more distinct media types in one image than a manifest can name")
        mediaTypes.append(type)
        if mediaTypes.count > 8 {
            if mediaTypeIndex.isEmpty {
                for (index, name) in mediaTypes.enumerated() { mediaTypeIndex[name] = index }
            } else {
                mediaTypeIndex[type] = mediaTypes.count - 1
            }
        }
        return mediaTypes.count - 1
    }

    private static func code(_ status: BlobStatus) -> UInt32 {
        switch status {
        case .available: 0
        case .unavailable: 1
        case .invalid: 2
        case .unverified: 3
        case .skipped: 4
        }
    }

    private static func status(_ code: UInt32) -> BlobStatus {
        switch code {
        case 0: .available
        case 1: .unavailable
        case 2: .invalid
        case 3: .unverified
        default: .skipped
        }
    }
}

extension BlobResults: ExpressibleByArrayLiteral {
    public init(arrayLiteral blobs: BlobResult...) {
        self.init(blobs)
    }
}

extension BlobResults: Equatable {
    public static func == (lhs: BlobResults, rhs: BlobResults) -> Bool {
        lhs.elementsEqual(rhs)
    }
}

/// Encoded as the array of `BlobResult` it reads as.
extension BlobResults: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(try [BlobResult](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try Array(self).encode(to: encoder)
    }
}
