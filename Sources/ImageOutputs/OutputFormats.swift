import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The formats a scan recognises, in the order they are tried: `OutputFinder`, `TreeDiff` and `ImageScanner` iterate
/// this list and nothing else, so adding a format is one new file and one entry
/// (`OutputFormats.builtIn + [MyFormat()]`).
public struct OutputFormats: Sendable {
    public let all: [any OutputFormat]
    /// Every marker file of every format, and for each format the bits of its own: a directory is matched against all
    /// formats in one pass over its entries (every directory of every pushed commit passes here).
    private let markers: [String]
    private let masks: [UInt64]

    /// Every marker file of every format, once each: the names a directory is looked up by.
    public var markerFiles: [String] { markers }

    public init(_ formats: [any OutputFormat]) {
        all = formats
        var markers: [String] = []
        var masks: [UInt64] = []
        for format in formats {
            var mask: UInt64 = 0
            for name in format.markerFiles {
                if !markers.contains(name) { markers.append(name) }
                guard let bit = markers.firstIndex(of: name), bit < 64 else {
                    preconditionFailure("the formats name over 64 marker files")
                }
                mask |= 1 << UInt64(bit)
            }
            masks.append(mask)
        }
        self.markers = markers
        self.masks = masks
    }

    /// The formats verify-layers reads.
    public static let builtIn = OutputFormats([
        OCILayoutFormat(), SkopeoDirFormat(), TarArchiveFormat(), ManifestFileFormat(),
    ])

    /// These formats, then `more`.
    public static func + (formats: OutputFormats, more: [any OutputFormat]) -> OutputFormats {
        OutputFormats(formats.all + more)
    }

    /// The format that reads outputs of `kind`.
    public func format(of kind: OutputKind) -> (any OutputFormat)? {
        all.first { $0.kind == kind }
    }

    /// Reads one output with the format of its kind.
    public func images(of output: ImageOutput, in source: FileSource, resolver: RepositoryResolver) -> ScanResult {
        guard let format = format(of: output.kind) else {
            let reason = "no format of kind \(output.kind) is known to this scan; not read"
            var result = ScanResult()
            let candidate = OutputCandidate(path: output.path, kind: output.kind.rawValue, read: false, reason: reason)
            result.candidates.append(candidate)
            return result
        }
        return format.images(of: output, in: source, resolver: resolver)
    }

    /// The directory formats whose marker files are all among `fileNames` (the directory's files, not its
    /// subdirectories), in list order.
    public func markedFormats<S: Sequence>(fileNames: S) -> [any OutputFormat] where S.Element == String {
        var present: UInt64 = 0
        for name in fileNames {
            if let bit = markers.firstIndex(of: name) { present |= 1 << UInt64(bit) }
        }
        guard present != 0 else { return [] }
        return all.indices.filter { masks[$0] != 0 && masks[$0] & present == masks[$0] }.map { all[$0] }
    }

    /// The format a file met during a walk belongs to, by its name; nil for most files.
    public func fileFormat(named name: String) -> (any OutputFormat)? {
        all.first { $0.matches(fileNamed: name) }
    }

    /// The kind of a file the configuration names: by its name, else by its first bytes (`head`), else a standalone
    /// manifest or index.
    func configNamedKind(_ path: String, head: () -> Data?) -> OutputKind {
        if let format = fileFormat(named: path) { return format.kind }
        if let head = head(), let format = all.first(where: { $0.matches(content: head) }) { return format.kind }
        return .manifestFile
    }
}
