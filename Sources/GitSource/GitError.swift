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

/// libgit2 must be initialised once per process before any call.
enum GitLibrary {
    static let initialised: Bool = {
        git_libgit2_init()
        return true
    }()
}
