/// One `images:` entry of `.verify-layers.yml`.
public struct ImageMapping: Sendable, Equatable {
    public var path: String
    public var repository: String
    public var registry: String?

    public init(path: String, repository: String, registry: String? = nil) {
        self.path = path
        self.repository = repository
        self.registry = registry
    }
}

/// Decides the repository of an image, first match wins (SPEC §3.1): flags, config `images`, the name annotation.
public struct RepositoryResolver: Sendable {
    public var forcedRepository: String?
    public var forcedRegistry: String?
    public var mappings: [ImageMapping]
    public var defaultRegistry: String?

    public init(forcedRepository: String? = nil, forcedRegistry: String? = nil, mappings: [ImageMapping] = [], defaultRegistry: String? = nil) {
        self.forcedRepository = forcedRepository
        self.forcedRegistry = forcedRegistry
        self.mappings = mappings
        self.defaultRegistry = defaultRegistry
    }

    /// `outputPath` is the layout dir / skopeo dir / manifest file; `name` the full image reference if annotated.
    public func resolve(outputPath: String, name: String?) -> RepositoryRef? {
        if let forcedRepository {
            return RepositoryRef(registryId: forcedRegistry ?? defaultRegistry, repositoryName: forcedRepository)
        }
        if let mapping = mappings.first(where: { Glob.matches(pattern: $0.path, path: outputPath) }) {
            return RepositoryRef(registryId: forcedRegistry ?? mapping.registry ?? defaultRegistry, repositoryName: mapping.repository)
        }
        if let name, var repository = ImageReference.ecrPublicRepository(from: name) {
            if let forcedRegistry { repository.registryId = forcedRegistry }
            return repository
        }
        return nil
    }
}

/// Gitignore-style globs for config paths: `*` within a segment, `**` across segments, `?` one character.
public enum Glob {
    public static func matches(pattern: String, path: String) -> Bool {
        let patternParts = split(pattern)
        let pathParts = split(path)
        return match(patternParts[...], pathParts[...])
    }

    /// True when `path` is the pattern's match or lies below one (so `exclude: [testdata/**]` and `testdata` both cover files inside).
    public static func covers(pattern: String, path: String) -> Bool {
        let pathParts = split(path)
        for length in stride(from: pathParts.count, through: 1, by: -1) {
            if match(split(pattern)[...], pathParts[0..<length]) { return true }
        }
        return false
    }

    private static func split(_ text: String) -> [Substring] {
        text.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    }

    private static func match(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> Bool {
        guard let head = pattern.first else { return path.isEmpty }
        if head == "**" {
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            var index = path.startIndex
            while index <= path.endIndex {
                if match(rest, path[index...]) { return true }
                index += 1
            }
            return false
        }
        guard let first = path.first, segment(Array(head.unicodeScalars)[...], Array(first.unicodeScalars)[...]) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    private static func segment(_ pattern: ArraySlice<Unicode.Scalar>, _ text: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let head = pattern.first else { return text.isEmpty }
        switch head {
        case "*":
            var index = text.startIndex
            while index <= text.endIndex {
                if segment(pattern.dropFirst(), text[index...]) { return true }
                index += 1
            }
            return false
        case "?":
            return !text.isEmpty && segment(pattern.dropFirst(), text.dropFirst())
        default:
            return text.first == head && segment(pattern.dropFirst(), text.dropFirst())
        }
    }
}
