import Foundation

/// What reading one repo-relative path in a commit gave.
public enum FileLookup: Sendable {
    case file(Data)
    case missing
    /// The blob exceeds the caller's limit; carries its size.
    case tooLarge(Int64)
    /// A directory, submodule, or a symlink that leaves the output: named so the finding can say why.
    case notReadable(String)
}

/// Read access to the files of one commit, by repo-relative path; libgit2-backed in production, in-memory in tests and fuzzing.
public protocol FileSource: AnyObject {
    var commit: String { get }
    func read(_ path: String, limit: Int64) -> FileLookup
    /// Whether a path exists as a file, without reading it.
    func exists(_ path: String) -> Bool
}

/// An in-memory commit for tests and the fuzzer.
public final class MemoryFileSource: FileSource {
    public let commit: String
    public var files: [String: Data]

    public init(commit: String = String(repeating: "0", count: 40), files: [String: Data]) {
        self.commit = commit
        self.files = files
    }

    public func read(_ path: String, limit: Int64) -> FileLookup {
        guard let data = files[path] else { return .missing }
        if Int64(data.count) > limit { return .tooLarge(Int64(data.count)) }
        return .file(data)
    }

    public func exists(_ path: String) -> Bool { files[path] != nil }
}
