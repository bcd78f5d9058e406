#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GitAccess
import ImageModel

/// Finds the image outputs in a commit's tree by their marker files, without descending into blob directories.
public struct OutputFinder {
    let repository: GitRepository

    public init(repository: GitRepository) {
        self.repository = repository
    }

    /// What one walk of a tree found.
    public struct Found: Sendable {
        public var outputs: [ImageOutput] = []
        /// Outputs whose path is not valid UTF-8 (shown with U+FFFD): reported, since they cannot be named or checked.
        public var unreadableNames: [String] = []
        /// `.json` files outside any layout that match one of the glob patterns asked for (standalone manifests/indexes).
        public var files: [String] = []
        /// Files that look like an output but are not read (`output-skipped`): the file and why.
        public var skipped: [SkippedOutput] = []
    }

    /// Every OCI layout and skopeo `dir:` in the tree, plus output paths whose names were not UTF-8 (reported, not crashed on).
    public func outputs(inTree root: ObjectID) throws -> (outputs: [ImageOutput], unreadableNames: [String]) {
        let found = try find(inTree: root)
        return (found.outputs, found.unreadableNames)
    }

    /// Walks the tree once: outputs, plus files matching `filePatterns`; paths covered by an `exclude` glob are not entered.
    public func find(inTree root: ObjectID, filePatterns: [String] = [], exclude: [String] = []) throws -> Found {
        var found = Found()
        try walk(root, prefix: "", readable: true, filePatterns: filePatterns, exclude: exclude, found: &found)
        return found
    }

    private func walk(_ tree: ObjectID, prefix: String, readable: Bool, filePatterns: [String], exclude: [String], found: inout Found) throws {
        let entries = try repository.entries(ofTree: tree)
        if let kind = outputKind(entries) {
            let path = prefix.isEmpty ? "." : prefix
            if readable {
                found.outputs.append(ImageOutput(kind: kind, path: path))
            } else {
                found.unreadableNames.append(path)
            }
            return
        }
        if readable, let skipped = skippedManifest(entries, directory: prefix) { found.skipped.append(skipped) }
        for entry in entries {
            let path = prefix.isEmpty ? entry.displayName : prefix + "/" + entry.displayName
            if exclude.contains(where: { Glob.covers(pattern: $0, path: path) }) { continue }
            switch entry.kind {
            case .tree:
                try walk(entry.id, prefix: path, readable: readable && entry.name != nil, filePatterns: filePatterns, exclude: exclude, found: &found)
            case .blob, .executable, .symlink:
                if readable, entry.kind != .symlink, let name = entry.name, ArchiveReader.hasArchiveName(name) {
                    found.outputs.append(ImageOutput(kind: .tarArchive, path: path))
                    continue
                }
                guard readable, let name = entry.name, name.hasSuffix(".json"), !filePatterns.isEmpty else { continue }
                if filePatterns.contains(where: { Glob.matches(pattern: $0, path: path) }) { found.files.append(path) }
            case .submodule:
                continue  // Its content is another repository's; nothing here to read.
            }
        }
    }

    /// The kind of output a directory is, confirming a skopeo dir by its `version` text so an unrelated `manifest.json` + `version`
    /// pair (a web app, a browser extension) is not mistaken for one.
    func outputKind(_ entries: [TreeEntry]) -> OutputKind? {
        guard let kind = OutputFinder.outputKind(entries.lazy.map { ($0.name ?? "", $0.kind) }) else { return nil }
        guard kind == .skopeoDir else { return kind }
        guard let version = entries.first(where: { $0.name == "version" }),
              let data = try? repository.readBlob(version.id, limit: Int64(LFSPointer.maxSize)) else { return nil }
        if data.starts(with: Data(OutputFinder.skopeoVersionPrefix.utf8)) || LFSPointer.parse(data) != nil { return .skopeoDir }
        return nil
    }

    /// A directory that is no output but holds a `manifest.json` shaped like an image manifest/index (no skopeo `version`
    /// beside it) or like a docker archive's: it is skipped, and that is said, not left silent.
    func skippedManifest(_ entries: [TreeEntry], directory: String) -> SkippedOutput? {
        guard let manifest = entries.first(where: { $0.name == "manifest.json" && ($0.kind == .blob || $0.kind == .executable) }),
              let data = try? repository.readBlob(manifest.id, limit: Int64(DocumentParser.maxDocumentSize)),
              let first = data.first(where: { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }),
              first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return nil }
        let path = directory.isEmpty ? "manifest.json" : directory + "/manifest.json"
        if DockerArchiveReader.isDockerManifestList(data) {
            return SkippedOutput(path: path, reason:
                "\(path) is the manifest.json of an unpacked docker archive (an array of Config/RepoTags/Layers); not read: commit the archive itself as a tar (or an OCI layout), whose config blob is then checked")
        }
        guard let parsed = try? DocumentParser.parse(data) else { return nil }
        let what: String
        switch parsed {
        case .manifest: what = "an image manifest"
        case .index: what = "an image index"
        }
        let version = entries.contains { $0.name == "version" } ? "its `version` file is not skopeo's (`\(OutputFinder.skopeoVersionPrefix) …`)" : "the directory has no skopeo `version` file"
        return SkippedOutput(path: path, reason:
            "\(path) parses as \(what) but \(version); not read (name it in `images:` of .verify-layers.yml to check it as a standalone manifest)")
    }

    /// The first words of a skopeo `dir:` `version` file.
    public static let skopeoVersionPrefix = "Directory Transport Version:"

    /// A directory is an OCI layout when it holds `oci-layout` and `index.json`; a skopeo dir when it holds `version` and `manifest.json`.
    public static func outputKind(_ entries: [(String, EntryKind)]) -> OutputKind? {
        outputKind(entries.lazy)
    }

    /// Four flags, not a set of every name: every directory of every pushed commit passes here.
    static func outputKind<S: Sequence>(_ entries: S) -> OutputKind? where S.Element == (String, EntryKind) {
        var layout = false, index = false, version = false, manifest = false
        for (name, kind) in entries where kind != .tree && kind != .submodule {
            switch name {
            case "oci-layout": layout = true
            case "index.json": index = true
            case "version": version = true
            case "manifest.json": manifest = true
            default: break
            }
        }
        if layout && index { return .ociLayout }
        if version && manifest { return .skopeoDir }
        return nil
    }
}

/// A file that looks like an image output but is not read, and why (an `output-skipped` notice).
public struct SkippedOutput: Sendable, Hashable {
    public var path: String
    public var reason: String
}
