import CGit2

/// A libgit2 failure carrying the library's own message.
public struct GitError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case notFound, notARepository, ambiguous, invalid, other
    }
    public let kind: Kind
    public let code: Int32
    public let message: String

    public init(kind: Kind, code: Int32 = -1, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The one place every libgit2 return code goes through: negative → typed error with `git_error_last()`'s text.
@discardableResult
func gitCheck(_ code: Int32, _ context: @autoclosure () -> String) throws -> Int32 {
    guard code < 0 else { return code }
    var detail = ""
    if let last = git_error_last(), let text = last.pointee.message {
        detail = String(cString: text)
    }
    let kind: GitError.Kind
    switch code {
    case GIT_ENOTFOUND.rawValue: kind = .notFound
    case GIT_EAMBIGUOUS.rawValue: kind = .ambiguous
    case GIT_EINVALIDSPEC.rawValue: kind = .invalid
    default: kind = .other
    }
    let prefix = context()
    throw GitError(kind: kind, code: code, message: detail.isEmpty ? prefix : "\(prefix): \(detail)")
}

/// libgit2 must be initialised once per process before any call; its memory is bounded then, since its defaults
/// (1 GiB pack windows, 8 GiB mapped, 256 MiB object cache) let a packed repository of large layers map and keep
/// hundreds of MiB that a run reads once.
enum GitLibrary {
    /// Bytes of one pack window: a scan of small objects still maps few windows.
    static let packWindowBytes = 256 << 10
    /// Bytes of pack mapped at once; libgit2 unmaps the least recently used windows beyond it. Mapped pages a run has
    /// read count in its resident memory, so this stays small: a window is cheap to map again.
    static let mappedLimitBytes = 1 << 20
    /// Bytes of decoded objects (commits, trees) libgit2 keeps for reuse; blobs are never cached.
    static let objectCacheBytes = 1 << 20

    /// Initialises libgit2 and bounds its memory, once; a failure is kept and thrown by every repository open.
    static let initialised: Result<Void, GitError> = {
        do {
            try gitCheck(git_libgit2_init(), "cannot initialise libgit2")
            try gitCheck(cgit2_set_mwindow_size(packWindowBytes), "cannot set libgit2's pack window size")
            try gitCheck(cgit2_set_mwindow_mapped_limit(mappedLimitBytes), "cannot set libgit2's mapped pack limit")
            try gitCheck(cgit2_set_cache_max_size(objectCacheBytes), "cannot set libgit2's object cache size")
            try gitCheck(cgit2_set_cache_object_limit(GIT_OBJECT_BLOB, 0), "cannot keep blobs out of libgit2's cache")
            // libgit2 re-hashes (SHA-1) every object it reads; git does not. Each content blob is hashed with the digest's
            // own algorithm anyway, so the extra pass only cost time (a fifth of a cold scan of small layers).
            try gitCheck(cgit2_set_strict_hash_verification(0), "cannot set libgit2's object hash verification")
            return .success(())
        } catch let error as GitError {
            return .failure(error)
        } catch {
            return .failure(GitError(kind: .other, message: "\(error)"))
        }
    }()

    /// The limits libgit2 runs with now (pack window, mapped pack, object cache), as it reports them.
    static var limits: (packWindow: Int, mapped: Int, objectCache: Int) {
        (Int(cgit2_get_mwindow_size()), Int(cgit2_get_mwindow_mapped_limit()), Int(cgit2_get_cache_max_size()))
    }
}
