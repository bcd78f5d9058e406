import ImageModel

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What reading one repo-relative path in a commit gave.
public enum FileLookup: Sendable {
    case file(Data)
    case missing
    /// The blob exceeds the caller's limit; carries its size.
    case tooLarge(Int64)
    /// A directory, submodule, or a symlink that leaves the output: named so the finding can say why.
    case notReadable(String)
    /// The file is a Git LFS pointer whose object is not in the local LFS store (SPEC §3: `lfs-object-missing`).
    case lfsObjectMissing(LFSPointer)
}

/// What checking one blob in the tree against its descriptor found; the content itself is never returned, so a large layer is
/// hashed where it lies instead of being held in memory.
public enum BlobProbe: Sendable, Equatable {
    case missing
    case notReadable(String)
    /// The blob is a Git LFS pointer: its oid and size stand for the content, which is not read.
    case lfsPointer(LFSPointer)
    /// The blob's size and its digest under the requested algorithm (nil for an algorithm the grammar does not allow).
    case content(size: Int64, digest: Digest?)
}

/// The ImageOutputs module's central protocol: output sources (git trees, Git LFS objects, tar and gzip archives, memory)
/// behind `FileSource`, the format readers that turn any source into images, and the finders that locate outputs in a
/// commit or a commit range. It walks git only through GitAccess's value types (never `git_*`) and must not call the
/// network, read the configuration file or print.
///
/// Read access to the files of one commit, by repo-relative path; libgit2-backed in production, in-memory in tests and fuzzing.
public protocol FileSource: AnyObject {
    var commit: String { get }
    func read(_ path: String, limit: Int64) -> FileLookup
    /// Whether a path exists as a file, without reading it.
    func exists(_ path: String) -> Bool
    /// Reads `path`, following symbolic links only while they stay inside the directory `root` ("" = the repository), and
    /// returning a Git LFS pointer's object from the local store instead of the pointer.
    func read(_ path: String, limit: Int64, within root: String) -> FileLookup
    /// Checks a blob without keeping it: an LFS pointer is returned as such, other content is hashed with `algorithm`.
    func probe(_ path: String, algorithm: String, within root: String) -> BlobProbe
    /// What `probe(_:algorithm:within:)` says of the file named by `digest`'s hex in `directory` (a format's blob
    /// directory), which a source may find without building the path. `declaredSize`: the size its descriptor gives,
    /// a hint for how to read it (never trusted as the blob's size).
    func probe(_ digest: Digest, inDirectory directory: String, within root: String, declaredSize: Int64?) -> BlobProbe
    /// Opens a file as a stream (archives are read in one pass, never loaded whole); links followed inside the repository.
    func openStream(_ path: String) -> StreamLookup
}

extension FileSource {
    public func read(_ path: String, limit: Int64, within root: String) -> FileLookup {
        read(path, limit: limit)
    }

    public func probe(_ digest: Digest, inDirectory directory: String, within root: String, declaredSize: Int64?)
        -> BlobProbe
    {
        probe(OutputPath.join(directory, digest.encoded), algorithm: digest.algorithm, within: root)
    }

    public func probe(_ path: String, algorithm: String, within root: String) -> BlobProbe {
        switch read(path, limit: .max, within: root) {
        case .file(let data):
            return .content(size: Int64(data.count), digest: ContentDigest.compute(data, algorithm: algorithm))
        case .missing: return .missing
        case .tooLarge: return .notReadable("it is too large to read")
        case .notReadable(let why): return .notReadable(why)
        case .lfsObjectMissing(let pointer): return .lfsPointer(pointer)
        }
    }
}

/// An in-memory commit for tests and the fuzzer, with symbolic links and an LFS store so every reading rule runs without git.
public final class MemoryFileSource: FileSource {
    public let commit: String
    public var files: [String: Data] { didSet { directoryCache = nil } }
    /// Symbolic links: path → target, as git stores them.
    public var symlinks: [String: String] { didSet { directoryCache = nil } }
    /// The local LFS store: oid hex → object content.
    public var lfsObjects: [String: Data]

    public init(
        commit: String = String(repeating: "0", count: 40), files: [String: Data], symlinks: [String: String] = [:],
        lfsObjects: [String: Data] = [:]
    ) {
        self.commit = commit
        self.files = files
        self.symlinks = symlinks
        self.lfsObjects = lfsObjects
    }

    public func read(_ path: String, limit: Int64) -> FileLookup {
        read(path, limit: limit, within: "")
    }

    public func read(_ path: String, limit: Int64, within root: String) -> FileLookup {
        switch resolve(path, within: root) {
        case .missing: return .missing
        case .notReadable(let why): return .notReadable(why)
        case .file(let resolved):
            guard let data = files[resolved] else { return .missing }
            if Int64(data.count) > limit, data.count > LFSPointer.maxSize { return .tooLarge(Int64(data.count)) }
            return LFSContent.resolve(data, limit: limit) { pointer in
                guard let object = self.lfsObjects[pointer.oid.encoded] else { return .missing }
                return LFSContent.check(object, against: pointer, limit: limit)
            }
        }
    }

    public func probe(_ path: String, algorithm: String, within root: String) -> BlobProbe {
        switch resolve(path, within: root) {
        case .missing: return .missing
        case .notReadable(let why): return .notReadable(why)
        case .file(let resolved):
            guard let data = files[resolved] else { return .missing }
            if let pointer = LFSPointer.parse(data) { return .lfsPointer(pointer) }
            return .content(size: Int64(data.count), digest: ContentDigest.compute(data, algorithm: algorithm))
        }
    }

    public func exists(_ path: String) -> Bool {
        if case .file = resolve(path, within: "") { return true }
        return false
    }

    private var directoryCache: Set<String>?

    /// True when no component is empty, `.` or `..`: the path means what it says.
    static func isPlain(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { bytes in
            var start = 0
            for index in 0...bytes.count {
                guard index == bytes.count || bytes[index] == 47 else { continue }
                let length = index - start
                if length == 0 || (length <= 2 && bytes[start..<index].allSatisfy({ $0 == 46 })) { return false }
                start = index + 1
            }
            return true
        }
    }

    private func resolve(_ path: String, within root: String) -> PathResolution {
        // Without links, a plain path inside the root is a dictionary lookup (the fuzzer and the hostile tests read thousands).
        if symlinks.isEmpty,
            root.isEmpty || (path.utf8.starts(with: root.utf8) && path.utf8.dropFirst(root.utf8.count).first == 47),
            MemoryFileSource.isPlain(path)
        {
            if files[path] != nil { return .file(path) }
            if directoryCache?.contains(path) != true && directoryCache != nil { return .missing }
        }
        let directories =
            directoryCache
            ?? {
                var set = Set<String>()
                for key in Array(files.keys) + Array(symlinks.keys) {
                    var parts = SymlinkResolver.components(key)
                    if !parts.isEmpty { parts.removeLast() }
                    while !parts.isEmpty {
                        set.insert(parts.joined(separator: "/"))
                        parts.removeLast()
                    }
                }
                directoryCache = set
                return set
            }()
        return SymlinkResolver.resolve(path, within: root) { candidate in
            if let target = self.symlinks[candidate] { return .symlink(target) }
            if self.files[candidate] != nil { return .file }
            return directories.contains(candidate) ? .directory : .missing
        }
    }
}

/// A `FileLookup` that ends resolution early, as an Error so it can ride in a `Result`.
struct FileLookupFailure: Error {
    let lookup: FileLookup
}
