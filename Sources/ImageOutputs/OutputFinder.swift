import GitAccess
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finds the image outputs in a commit's tree by the marker files and names of `formats`, without descending into
/// blob directories.
public struct OutputFinder {
    let repository: GitRepository
    let formats: OutputFormats

    public init(repository: GitRepository, formats: OutputFormats = .builtIn) {
        self.repository = repository
        self.formats = formats
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

    /// Walks the tree once: outputs, plus files matching `filePatterns`; paths covered by an `exclude` glob are not entered.
    public func find(inTree root: ObjectID, filePatterns: [String] = [], exclude: [String] = []) throws -> Found {
        var found = Found()
        try walk(root, prefix: "", readable: true, filePatterns: filePatterns, exclude: exclude, found: &found)
        return found
    }

    private func walk(
        _ tree: ObjectID, prefix: String, readable: Bool, filePatterns: [String], exclude: [String], found: inout Found
    ) throws {
        let entries = try repository.entries(ofTree: tree)
        if let kind = outputFormat(entries)?.kind {
            let path = prefix.isEmpty ? "." : prefix
            if readable {
                found.outputs.append(ImageOutput(kind: kind, path: path))
            } else {
                found.unreadableNames.append(path)
            }
            return
        }
        if readable { found.skipped += skippedOutputs(entries, directory: prefix) }
        for entry in entries {
            let path = prefix.isEmpty ? entry.displayName : prefix + "/" + entry.displayName
            if exclude.contains(where: { Glob.covers(pattern: $0, path: path) }) { continue }
            switch entry.kind {
            case .tree:
                try walk(
                    entry.id, prefix: path, readable: readable && entry.name != nil, filePatterns: filePatterns,
                    exclude: exclude, found: &found)
            case .blob, .executable, .symlink:
                if readable, entry.kind != .symlink, let name = entry.name, let format = formats.fileFormat(named: name)
                {
                    found.outputs.append(ImageOutput(kind: format.kind, path: path))
                    continue
                }
                guard readable, let name = entry.name, name.hasSuffix(".json"), !filePatterns.isEmpty else { continue }
                if filePatterns.contains(where: { Glob.matches(pattern: $0, path: path) }) { found.files.append(path) }
            case .submodule:
                continue  // Its content is another repository's; nothing here to read.
            }
        }
    }

    /// The format of the output a directory is: the first whose marker files are all there and that confirms it.
    func outputFormat(_ entries: [TreeEntry]) -> (any OutputFormat)? {
        let files = entries.lazy.filter { $0.kind != .tree && $0.kind != .submodule }.map { $0.name ?? "" }
        return outputFormat(fileNames: files) { name in entries.first(where: { $0.name == name }) }
    }

    /// `outputFormat(_:)` for a directory looked into by name only (`TreeDiff`): its marker files, then whatever a
    /// format reads to confirm, found by libgit2's search, so a large changed directory is not copied out to match.
    func outputFormat(inTree tree: ObjectID) -> (any OutputFormat)? {
        let markers = (try? repository.entries(named: formats.markerFiles, inTree: tree)) ?? []
        let files = markers.filter { $0.kind != .tree && $0.kind != .submodule }.map { $0.name ?? "" }
        guard !files.isEmpty else { return nil }  // No format without marker files is a directory format.
        return outputFormat(fileNames: files) { try? repository.entry(named: $0, inTree: tree) }
    }

    private func outputFormat<S: Sequence>(fileNames: S, entry: (String) -> TreeEntry?) -> (any OutputFormat)?
    where S.Element == String {
        let marked = formats.markedFormats(fileNames: fileNames)
        return marked.first { format in
            format.confirms { name, limit in
                guard let entry = entry(name) else { return nil }
                return try? repository.readBlob(entry.id, limit: limit)
            }
        }
    }

    /// `skippedOutputs(_:directory:)` for a directory looked into by name only: the notices read nothing but its
    /// `manifest.json`, `version`, `index.json` and `oci-layout`.
    func skippedOutputs(inTree tree: ObjectID, directory: String) -> [SkippedOutput] {
        let names = ["manifest.json", "version", "index.json", "oci-layout"]
        let named = (try? repository.entries(named: names, inTree: tree)) ?? []
        return skippedOutputs(named, directory: directory)
    }

    /// Every notice for a directory that is no output but holds what one would: a manifest-shaped `manifest.json`,
    /// half an OCI layout.
    func skippedOutputs(_ entries: [TreeEntry], directory: String) -> [SkippedOutput] {
        [skippedManifest(entries, directory: directory), skippedLayout(entries, directory: directory)].compactMap { $0 }
    }

    /// A directory that is no output but holds half an OCI layout: an `index.json` that parses as an image index with
    /// no `oci-layout` beside it, or an `oci-layout` with no `index.json` (a layout committed in part, or a `.gitignore`
    /// that kept a file out): nothing of it is checked, and that is said, not left silent.
    func skippedLayout(_ entries: [TreeEntry], directory: String) -> SkippedOutput? {
        func file(_ name: String) -> TreeEntry? {
            entries.first { $0.name == name && ($0.kind == .blob || $0.kind == .executable) }
        }
        func path(_ name: String) -> String { directory.isEmpty ? name : directory + "/" + name }
        let marker = file("oci-layout")
        if marker != nil, !entries.contains(where: { $0.name == "index.json" }) {
            return SkippedOutput(
                path: path("oci-layout"), kind: OutputKind.ociLayout.rawValue,
                reason:
                    "\(path("oci-layout")) marks an OCI image layout but the directory has no `index.json`; not read (commit the layout's `index.json` too)"
            )
        }
        guard marker == nil, let index = file("index.json"), let data = document(index.id),
            case .index = try? DocumentParser.parse(data)
        else { return nil }
        return SkippedOutput(
            path: path("index.json"), kind: OutputKind.ociLayout.rawValue,
            reason:
                "\(path("index.json")) parses as an image index but the directory has no `oci-layout` file; not read (commit the layout's `oci-layout` too, or name the file in `images:` of .verify-layers.yml to check it as a standalone index)"
        )
    }

    /// A small file's content as the user sees it: a Git LFS pointer is read from the local LFS store (nil when its
    /// object is not there), so a manifest-shaped `manifest.json` or `index.json` committed through LFS is not skipped in
    /// silence.
    private func document(_ id: ObjectID) -> Data? {
        let limit = Int64(DocumentParser.maxDocumentSize)
        guard let data = try? repository.readBlob(id, limit: limit) else { return nil }
        guard let pointer = LFSPointer.parse(data) else { return data }
        guard let store = try? LFSObjectStore(repository: repository),
            case .found(let content) = store.read(pointer, limit: limit)
        else { return nil }
        return content
    }

    /// A directory that is no output but holds a `manifest.json` shaped like an image manifest/index (no skopeo `version`
    /// beside it) or like a docker archive's: it is skipped, and that is said, not left silent.
    func skippedManifest(_ entries: [TreeEntry], directory: String) -> SkippedOutput? {
        guard
            let manifest = entries.first(where: {
                $0.name == "manifest.json" && ($0.kind == .blob || $0.kind == .executable)
            }),
            let data = document(manifest.id),
            let first = data.first(where: { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }),
            first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
        else { return nil }
        let path = directory.isEmpty ? "manifest.json" : directory + "/manifest.json"
        if DockerArchiveReader.isDockerManifestList(data) {
            return SkippedOutput(
                path: path,
                reason:
                    "\(path) is the manifest.json of an unpacked docker archive (an array of Config/RepoTags/Layers); not read: commit the archive itself as a tar (or an OCI layout), whose config blob is then checked"
            )
        }
        guard let parsed = try? DocumentParser.parse(data) else { return nil }
        let what: String
        switch parsed {
        case .manifest: what = "an image manifest"
        case .index: what = "an image index"
        }
        let version =
            entries.contains { $0.name == "version" }
            ? "its `version` file is not skopeo's (`\(SkopeoDirFormat.versionPrefix) …`)"
            : "the directory has no skopeo `version` file"
        return SkippedOutput(
            path: path,
            reason:
                "\(path) parses as \(what) but \(version); not read (name the file \(path), not its directory, in `images:` of .verify-layers.yml to check it as a standalone manifest)"
        )
    }
}

/// A file that looks like an image output but is not read, and why (an `output-skipped` notice).
public struct SkippedOutput: Sendable, Hashable {
    public var path: String
    /// The kind of output it looked like, as `list` names candidates.
    public var kind: String = "manifest-file"
    public var reason: String
}
