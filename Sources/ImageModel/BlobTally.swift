/// An image's blobs counted by what the service said: what every report but the JSON one shows of them (ok lines, job
/// summary rows, test outcomes, publish hints). A run whose reports need no blob rows keeps only this per image.
public struct BlobTally: Sendable, Equatable {
    public var available = 0
    /// Of `available`, those the positive cache vouched for.
    public var cached = 0
    public var unavailable = 0
    public var invalid = 0
    public var unverified = 0
    public var skipped = 0

    public init() {}

    public init(_ blobs: some Sequence<BlobResult>) {
        for blob in blobs { add(blob.status, cached: blob.cached) }
    }

    public mutating func add(_ status: BlobStatus, cached: Bool = false) {
        switch status {
        case .available:
            available += 1
            if cached { self.cached += 1 }
        case .unavailable: unavailable += 1
        case .invalid: invalid += 1
        case .unverified: unverified += 1
        case .skipped: skipped += 1
        }
    }

    /// Blobs the service gave a verdict on (available, unavailable or invalid).
    public var answered: Int { available + unavailable + invalid }
    /// Blobs asked about and not confirmed: unavailable, invalid or without a verdict.
    public var unconfirmed: Int { unavailable + invalid + unverified }
    public var total: Int { answered + unverified + skipped }
}
