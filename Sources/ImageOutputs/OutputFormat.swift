import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One way image tools write images to disk (an OCI layout, a skopeo `dir:`, an archive, …): how to recognise it, how
/// to read its images over any `FileSource`, and where its blobs lie. A new format is one type conforming to this and
/// one entry in an `OutputFormats` list; the finders and the scanner only iterate the list.
public protocol OutputFormat: Sendable {
    /// The kind reports and `list` name this format's outputs by.
    var kind: OutputKind { get }
    /// What `list -v` says an output of this format is.
    var reason: String { get }
    /// Files that, all present in one directory, mark it as an output of this format; empty for formats that are one
    /// file.
    var markerFiles: [String] { get }
    /// Confirms a directory whose markers are all there by reading a small file of it (`read(name, limit)`, nil when
    /// it cannot be read within `limit` bytes), so an unrelated directory with the same names is not taken for an output.
    func confirms(directory read: (_ name: String, _ limit: Int64) -> Data?) -> Bool
    /// Whether a file met while walking a tree is an output of this format, by its name (or path).
    func matches(fileNamed name: String) -> Bool
    /// Whether a file the configuration names is an output of this format, by its first 512 bytes.
    func matches(content head: Data) -> Bool
    /// The directory symbolic links must stay inside ("" = the repository).
    func root(of output: ImageOutput) -> String
    /// Reads every image of one output; every problem ends as a finding, never a crash.
    func images(of output: ImageOutput, in source: FileSource, resolver: RepositoryResolver) -> ScanResult
    /// Where a config or layer blob of an output rooted at `root` lies; built only from a validated digest.
    func blobPath(of digest: Digest, root: String) -> String
    /// The directory whose entry named by `digest`'s hex is its blob (what `blobPath` joins the hex to), nil when a blob
    /// is not named so; sources look blobs up there by name, without a path per blob.
    func blobDirectory(of digest: Digest, root: String) -> String?
    /// Where a manifest or index named by digest may lie, in the order tried.
    func documentPaths(of digest: Digest, root: String) -> [String]
    /// The repositories this output's images can map to, found cheaply before it is read (`.unknown` when only reading
    /// it tells); asked only when the output's path does not decide (`--repository`, a config `images` entry).
    func forecast(of output: ImageOutput, in source: FileSource, resolver: RepositoryResolver) -> RepositoryForecast
}

extension OutputFormat {
    public var markerFiles: [String] { [] }
    public func confirms(directory read: (_ name: String, _ limit: Int64) -> Data?) -> Bool { true }
    public func matches(fileNamed name: String) -> Bool { false }
    public func matches(content head: Data) -> Bool { false }
    public func root(of output: ImageOutput) -> String { output.path == "." ? "" : output.path }
    /// OCI layout addressing: `blobs/<algorithm>/<hex>` under the root.
    public func blobPath(of digest: Digest, root: String) -> String {
        digest.blobPath(under: OutputPath.join(root, "blobs/"))
    }
    public func documentPaths(of digest: Digest, root: String) -> [String] { [blobPath(of: digest, root: root)] }
    /// From `blobPath`, so it always agrees with it: the path without `/` and the hex.
    public func blobDirectory(of digest: Digest, root: String) -> String? {
        let path = blobPath(of: digest, root: root)
        let name = "/" + digest.encoded
        return path.hasSuffix(name) ? String(path.dropLast(name.count)) : nil
    }
    public func forecast(of output: ImageOutput, in source: FileSource, resolver: RepositoryResolver)
        -> RepositoryForecast
    { .unknown }
}

/// Repo-relative path building shared by the formats.
enum OutputPath {
    /// `dir/name`, or `name` at the repository root.
    static func join(_ dir: String, _ name: String) -> String {
        dir.isEmpty || dir == "." ? name : dir + "/" + name
    }
}
