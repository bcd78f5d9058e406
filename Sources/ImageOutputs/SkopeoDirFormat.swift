import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A skopeo `dir:` (`version` + `manifest.json`, blobs named by their hex, child manifests as `<hex>.manifest.json`),
/// confirmed by its `version` text so an unrelated `manifest.json` + `version` pair (a web app, a browser extension) is
/// not mistaken for one.
public struct SkopeoDirFormat: OutputFormat {
    /// The first words of a skopeo `dir:` `version` file.
    public static let versionPrefix = "Directory Transport Version:"

    public init() {}

    public var kind: OutputKind { .skopeoDir }
    public var reason: String { "a skopeo dir: (version + manifest.json)" }
    public var markerFiles: [String] { ["version", "manifest.json"] }

    /// Its `version` starts with skopeo's words (or is a Git LFS pointer, whose content is not at hand).
    public func confirms(directory read: (_ name: String, _ limit: Int64) -> Data?) -> Bool {
        guard let version = read("version", Int64(LFSPointer.maxSize)) else { return false }
        return version.starts(with: Data(SkopeoDirFormat.versionPrefix.utf8)) || LFSPointer.parse(version) != nil
    }

    public func images(of output: ImageOutput, in source: FileSource, resolver: RepositoryResolver) -> ScanResult {
        let reader = LayoutReader(source: source, resolver: resolver, format: self)
        return reader.readDocument(at: OutputPath.join(root(of: output), "manifest.json"), of: output)
    }

    /// skopeo names a blob by its hex alone.
    public func blobPath(of digest: Digest, root: String) -> String {
        OutputPath.join(root, digest.encoded)
    }

    /// A child manifest is `<hex>.manifest.json`, or a plain blob.
    public func documentPaths(of digest: Digest, root: String) -> [String] {
        [OutputPath.join(root, "\(digest.encoded).manifest.json"), blobPath(of: digest, root: root)]
    }
}
