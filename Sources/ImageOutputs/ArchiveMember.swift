import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One regular member of an archive as one pass left it: its size and digest always, its bytes only when it is a small JSON
/// document (what the format readers parse), so memory is bounded by the documents, not by the layers.
public struct ArchiveMember: Sendable {
    public var size: Int64
    /// The digest under the algorithm its path names (`blobs/sha512/…` → sha512, anything else sha256).
    public var digest: Digest?
    /// The content, for members of at most 4 MiB that look like JSON; nil otherwise.
    public var data: Data?
    /// Why `data` is nil although the member is small (not JSON, or the archive's document budget was spent).
    public var notKept: String?
}

/// What went wrong with one member (or the archive as a whole when `member` is nil), for a finding at the archive's path.
public struct ArchiveProblem: Sendable, Equatable {
    public var rule: Rule
    public var member: String?
    public var message: String
}
