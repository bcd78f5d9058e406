import Foundation
import ImageModel

/// Reads every image output of a commit into images and findings: the GitSource entry point for `check` and `list`.
public struct ImageScanner {
    let repository: GitRepository
    let resolver: RepositoryResolver
    let exclude: [String]

    public init(repository: GitRepository, resolver: RepositoryResolver, exclude: [String] = []) {
        self.repository = repository
        self.resolver = resolver
        self.exclude = exclude
    }

    /// Scans the whole tree of `commit`, plus standalone manifest/index files that the config names.
    public func scan(commit: ObjectID, manifestFiles: [String] = []) throws -> ScanResult {
        let snapshot = try CommitSnapshot(repository: repository, commit: commit)
        let found = try OutputFinder(repository: repository).outputs(inTree: snapshot.rootTree)
        let extraOutputs = manifestFiles.filter { path in
            guard let entry = snapshot.entry(at: path) else { return false }
            return entry.kind == .blob || entry.kind == .executable
        }.map { ImageOutput(kind: .manifestFile, path: $0) }
        var result = ScanResult()
        for name in found.unreadableNames {
            result.findings.append(Finding(rule: .manifestInvalid, severity: .warning,
                                           message: "directory name is not valid UTF-8 and was not scanned: \(name.debugQuoted)",
                                           path: name, commit: commit.hex))
        }
        var seen = Set<ImageOutput>()
        for output in found.outputs + extraOutputs where seen.insert(output).inserted {
            if isExcluded(output.path) { continue }
            let part = read(output, in: snapshot)
            result.images += part.images
            result.findings += part.findings
        }
        return result
    }

    /// Reads one output at one commit.
    public func read(_ output: ImageOutput, in snapshot: FileSource) -> ScanResult {
        LayoutReader(source: snapshot, resolver: resolver).read(output)
    }

    public func isExcluded(_ path: String) -> Bool {
        exclude.contains { Glob.covers(pattern: $0, path: path) }
    }
}

extension ToolConfig {
    /// `images` paths that name one file (no glob): candidates for standalone manifest/index JSON.
    public var manifestFileCandidates: [String] {
        images.map(\.path).filter { path in !path.contains("*") && !path.contains("?") && path.hasSuffix(".json") }
    }
}
