import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An image output committed as one tar archive (plain or gzip, in git or Git LFS): `oci-archive:`, buildx `type=oci`,
/// `docker save`, `docker-archive:`. Found by its name during a walk, or by its first bytes when the configuration
/// names it; what it holds (`oci-archive`, `skopeo-dir-archive`, `docker-archive`) is found when it is read.
public struct TarArchiveFormat: OutputFormat {
    public init() {}

    public var kind: OutputKind { .tarArchive }
    public var reason: String { "a tar archive" }

    /// `*.tar`, `*.tar.gz`, `*.tgz` (so `*.oci.tar`, `*.docker.tar` too).
    public func matches(fileNamed name: String) -> Bool {
        ArchiveReader.hasArchiveName(name)
    }

    /// Gzip magic, or a tar header's `ustar`.
    public func matches(content head: Data) -> Bool {
        ArchiveIndexer.looksLikeArchive(head)
    }

    public func images(of output: ImageOutput, in source: FileSource, resolver: RepositoryResolver) -> ScanResult {
        ArchiveReader(source: source, resolver: resolver).read(output)
    }
}
