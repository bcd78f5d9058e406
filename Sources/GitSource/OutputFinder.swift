import Foundation
import ImageModel

/// Finds the image outputs in a commit's tree by their marker files, without descending into blob directories.
public struct OutputFinder {
    let repository: GitRepository

    public init(repository: GitRepository) {
        self.repository = repository
    }

    /// Every OCI layout and skopeo `dir:` in the tree, plus paths whose names were not UTF-8 (reported, not crashed on).
    public func outputs(inTree root: ObjectID) throws -> (outputs: [ImageOutput], unreadableNames: [String]) {
        var outputs: [ImageOutput] = []
        var unreadable: [String] = []
        try walk(root, prefix: "", outputs: &outputs, unreadable: &unreadable)
        return (outputs, unreadable)
    }

    private func walk(_ tree: ObjectID, prefix: String, outputs: inout [ImageOutput], unreadable: inout [String]) throws {
        let entries = try repository.entries(ofTree: tree)
        if let kind = OutputFinder.outputKind(entries.map { ($0.name ?? "", $0.kind) }) {
            outputs.append(ImageOutput(kind: kind, path: prefix.isEmpty ? "." : prefix))
            return
        }
        for entry in entries where entry.kind == .tree {
            guard let name = entry.name else {
                unreadable.append(prefix.isEmpty ? entry.displayName : prefix + "/" + entry.displayName)
                continue
            }
            try walk(entry.id, prefix: prefix.isEmpty ? name : prefix + "/" + name, outputs: &outputs, unreadable: &unreadable)
        }
    }

    /// A directory is an OCI layout when it holds `oci-layout` and `index.json`; a skopeo dir when it holds `version` and `manifest.json`.
    public static func outputKind(_ entries: [(String, EntryKind)]) -> OutputKind? {
        var names = Set<String>()
        for (name, kind) in entries where kind != .tree && kind != .submodule { names.insert(name) }
        if names.contains("oci-layout") && names.contains("index.json") { return .ociLayout }
        if names.contains("version") && names.contains("manifest.json") { return .skopeoDir }
        return nil
    }
}
